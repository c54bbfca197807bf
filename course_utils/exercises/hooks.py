"""Exercises of chapter 12, Hooks.

12.1 and 12.4 are about a way of working (a hook that returns a new gradient and leaves its
argument alone; forward hooks that are removed afterwards), so their checks run the learner's
function on cases of their own: the hook called directly on gradients holding NaN, inf and -inf
(and on one holding none) and registered on tensors, the capture function on a flat model, a
nested one and one whose layers run in another order than they were defined. 12.2 and 12.3 are
predictions judged by their numbers.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import torch
from torch import nn

from course_utils.checks import Case, FunctionExercise, Mistake, NumericExercise, PropertyExercise, Run, register, wrong
from course_utils.checks.answers import BadAnswer, describe, plain_tensor, read_numbers
from course_utils.checks.evidence import facts, forward_seen
from course_utils.checks.isolation import seeded
from course_utils.checks.kinds import returns
from course_utils.checks.tolerance import close

# --- 12.1: a hook that makes non-finite gradient elements harmless ------------------------------

IN_PLACE = Mistake("the hook changed the gradient it received (an in-place method, or an assignment into grad): "
                   "autograd may still use that tensor elsewhere; build a new one", name="hook_modified_its_argument")
RETURNED_NONE = Mistake("the hook returned None, which tells autograd to keep the gradient as it was: the new "
                        "gradient must be the hook's return value", name="hook_returned_none")
CHANGED_DTYPE = Mistake("the hook returned another dtype than the gradient it received (float32 in, float64 out): "
                        "torch refuses such a hook during backward(); keep the gradient's dtype",
                        name="hook_changed_dtype")
CHANGED_SHAPE = Mistake("the hook returned a tensor of another shape than the gradient it received",
                        name="hook_changed_shape")
MASK_SELECTED = Mistake("the hook returned only the finite elements, in a 1-D tensor: indexing with a mask selects "
                        "elements, it does not keep the gradient's shape; every element must stay in its place",
                        name="mask_selected_elements")
NOT_A_TENSOR = Mistake("the hook returned something that is not a tensor: a hook returns a tensor (or None)",
                       name="hook_returned_no_tensor")
NAN_LEFT = Mistake("NaN elements were left in place: NaN is not an infinity, and it is not even equal to itself, "
                   "so a test for inf or a comparison with == misses it", name="nan_left_in_place")
INF_LEFT = Mistake("infinite elements were left in place: a test for NaN alone misses inf and -inf, and the "
                   "infinities come with both signs", name="inf_left_in_place")
INF_TO_LARGEST = Mistake("inf and -inf became the largest finite numbers of the dtype (about ±3.4e38 in float32), "
                         "as nan_to_num does unless told otherwise: still enormous gradients; they must become 0",
                         name="inf_became_largest_float")
OTHER_FILL = Mistake("the non-finite elements were replaced by numbers other than 0", name="replaced_by_other_numbers")
ZEROED_ALL = Mistake("the whole gradient was zeroed because some elements were not finite: only those elements "
                     "must become 0, the finite ones keep their values (skipping the whole step is another "
                     "technique)", name="zeroed_the_whole_gradient")
FINITE_CHANGED = Mistake("the finite elements changed: the hook must return them exactly as they arrived",
                         name="finite_elements_changed")


def _zero_non_finite(grad: torch.Tensor) -> torch.Tensor:
    return torch.where(torch.isfinite(grad), grad, torch.zeros_like(grad))


def _drive_hook(hook: Any):
    """The learner's hook, called directly or registered on a fresh tensor, as one function of the case's inputs."""

    def drive(how: str, *tensors: torch.Tensor) -> Any:
        if how == "called":
            return hook(tensors[0])
        data, incoming = tensors
        x = data.clone().requires_grad_()
        hooked = x if how == "leaf" else 3 * x   # a leaf, or an intermediate y = 3x
        hooked.register_hook(hook)
        (hooked * incoming).sum().backward()      # the gradient arriving at `hooked` is `incoming`
        return x.grad

    return drive


_SPOILED = {"nan": float("nan"), "inf": float("inf"), "-inf": float("-inf")}


def _gradient(shape: tuple[int, ...], dtype: torch.dtype, seed: int, spoiled: tuple[str, ...]) -> torch.Tensor:
    """Random numbers of ``shape`` with the first elements replaced by the ``spoiled`` values (nan, inf, -inf)."""
    generator = torch.Generator().manual_seed(seed)
    values = torch.randn(shape, generator=generator, dtype=torch.float64) * 1.5
    flat = values.view(-1)
    places = torch.randperm(flat.numel(), generator=generator)[:len(spoiled)]
    for place, kind in zip(places.tolist(), spoiled):
        flat[place] = _SPOILED[kind]
    return values.to(dtype)


def _same(a: torch.Tensor, b: torch.Tensor) -> bool:
    """Equal shapes and values, NaN equal to NaN and each infinity to itself (a tolerance for the finite ones)."""
    return a.shape == b.shape and bool(torch.allclose(a.double(), b.double(), rtol=1e-6, atol=1e-9, equal_nan=True))


def _non_finite_verdict(values: torch.Tensor, g: torch.Tensor) -> Any:
    """Which part of a gradient the hook got wrong: ``values`` (float64) for the gradient ``g`` (float64)."""
    finite = torch.isfinite(g)
    if not _same(values[finite], g[finite]):
        if bool((values == 0).all()):
            return ZEROED_ALL
        return FINITE_CHANGED
    spoiled, nan, inf = values[~finite], torch.isnan(g[~finite]), torch.isinf(g[~finite])
    if bool(torch.isnan(spoiled[nan]).any()):
        return NAN_LEFT
    if bool(torch.isinf(spoiled[inf]).any()):
        return INF_LEFT
    if bool(((spoiled[inf].abs() > 1e30) & torch.isfinite(spoiled[inf])).any()):
        return INF_TO_LARGEST
    if bool((spoiled != 0).any()):
        return OTHER_FILL
    return "the values are not the gradient with its NaN, inf and -inf elements replaced by 0"


def _judge_called(run: Run) -> Any:
    """The hook called on a gradient: a new tensor, same shape and dtype, non-finite elements 0; its argument kept."""
    (_, received), (_, original) = run.inputs, run.expected_inputs
    if not _same(plain_tensor(received), original):
        return IN_PLACE
    if run.result is None:
        return RETURNED_NONE
    if not isinstance(run.result, torch.Tensor):
        return Mistake(f"{NOT_A_TENSOR.says} (it returned {describe(run.result)})", name=NOT_A_TENSOR.name)
    returned = facts(run.result)
    if returned.dtype != original.dtype:
        return Mistake(f"the hook returned a {returned.dtype} tensor for a {original.dtype} gradient: torch refuses "
                       "a hook that changes the dtype during backward(); keep the gradient's dtype",
                       name=CHANGED_DTYPE.name)
    g = original.double()
    if returned.shape != tuple(original.shape):
        finite_values = g[torch.isfinite(g)]
        if returned.shape == tuple(finite_values.shape) and _same(returned.values.double(), finite_values):
            return MASK_SELECTED
        return CHANGED_SHAPE
    values = returned.values.double()
    if _same(values, _zero_non_finite(g)):
        return None
    return _non_finite_verdict(values, g)


def _judge_registered(run: Run) -> Any:
    """Registered with register_hook: x.grad after backward() is what the reference's hook leaves."""
    if not isinstance(run.result, torch.Tensor):
        return "x.grad is None after backward() with your hook registered"
    grad = plain_tensor(run.result).detach()
    if _same(grad, plain_tensor(run.expected).detach()):
        return None
    if not bool(torch.isfinite(grad).all()):
        return "x.grad still holds NaN or infinite elements after backward() with your hook registered"
    return ".grad is not the gradient with its non-finite elements replaced by 0 once the hook is registered"


def _called(shape: tuple[int, ...], dtype: torch.dtype, seed: int, *spoiled: str):
    return lambda: ("called", _gradient(shape, dtype, seed, spoiled))


def _registered(how: str, shape: tuple[int, ...], seed: int, *spoiled: str):
    return lambda: (how, _gradient(shape, torch.float32, seed, ()), _gradient(shape, torch.float32, seed + 1, spoiled))


def _zero_in_place(grad: torch.Tensor) -> torch.Tensor:
    return grad.nan_to_num_(nan=0.0, posinf=0.0, neginf=0.0)


def _zero_by_assignment(grad: torch.Tensor) -> torch.Tensor:
    grad[~torch.isfinite(grad)] = 0.0
    return grad


def _zero_in_float64(grad: torch.Tensor) -> torch.Tensor:
    g = grad.double()
    return torch.where(torch.isfinite(g), g, torch.zeros_like(g))


def _zero_nan_only(grad: torch.Tensor) -> torch.Tensor:
    return torch.where(torch.isnan(grad), torch.zeros_like(grad), grad)


def _zero_inf_only(grad: torch.Tensor) -> torch.Tensor:
    return torch.where(torch.isinf(grad), torch.zeros_like(grad), grad)


def _zero_nan_and_plus_inf(grad: torch.Tensor) -> torch.Tensor:
    return torch.where(torch.isnan(grad) | (grad == float("inf")), torch.zeros_like(grad), grad)


def _zero_everything_if_spoiled(grad: torch.Tensor) -> torch.Tensor:
    return grad.clone() if bool(torch.isfinite(grad).all()) else torch.zeros_like(grad)


def _finite_elements_only(grad: torch.Tensor) -> torch.Tensor:
    return grad[torch.isfinite(grad)]


def _zero_by_self_comparison(grad: torch.Tensor) -> torch.Tensor:
    """Right: NaN is the one value not equal to itself, and |inf| is the one value above the largest float."""
    ordinary = (grad == grad) & (grad.abs() <= torch.finfo(grad.dtype).max)
    return torch.where(ordinary, grad, torch.zeros_like(grad))


def _zero_with_masked_fill(grad: torch.Tensor) -> torch.Tensor:
    return grad.masked_fill(~torch.isfinite(grad), 0.0)


def _zero_a_copy_in_place(grad: torch.Tensor) -> torch.Tensor:
    copy = grad.clone()
    copy[~torch.isfinite(copy)] = 0.0
    return copy


# --- 12.2: a hook cell run three times ----------------------------------------------------------

def _rerun_stacking() -> float:
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    for _ in range(3):
        x.register_hook(lambda grad: grad * 2)
    (3 * x).sum().backward()
    assert x.grad is not None, "backward() fills the gradient of x"
    return x.grad[0].item()


# --- 12.3: tensor hook vs post-accumulate hook --------------------------------------------------

HOOKS_SWAPPED = Mistake("your two lists are swapped: the tensor hook sees each pass's incoming gradient, the "
                        "post-accumulate hook sees .grad after the incoming gradient was added",
                        name="hook_kinds_swapped")
POST_SEES_INCOMING = Mistake("your post_accumulate numbers are each pass's incoming gradient, but this hook runs "
                             "after that gradient was added to .grad, and .grad was not zeroed between the passes",
                             name="post_accumulate_sees_incoming")
TENSOR_HOOK_SEES_GRAD = Mistake("your tensor_hook numbers are the running .grad, but a tensor hook runs before the "
                                "incoming gradient is added, and sees only that pass's incoming gradient",
                                name="tensor_hook_sees_grad")
VIEWS_OF_GRAD = Mistake("both post_accumulate numbers are the final .grad. If you recorded them with hooks, you kept "
                        "views of p.grad (p.grad[0] without .item()), which backward() changes later by adding into "
                        ".grad in place; at the first pass .grad held something else",
                        name="recorded_views_of_grad")
KEYS = ("tensor_hook", "post_accumulate")


def _hook_order() -> dict[str, list[float]]:
    w = torch.tensor([1.0, -1.0], requires_grad=True)
    seen: dict[str, list[float]] = {"tensor_hook": [], "post_accumulate": []}
    w.register_hook(lambda grad: seen["tensor_hook"].append(grad[0].item()))
    w.register_post_accumulate_grad_hook(lambda p: seen["post_accumulate"].append(p.grad[0].item()))
    for _ in range(2):
        (3 * w).sum().backward()
    return seen


def _judge_hook_order(answer: Any) -> Any:
    if not isinstance(answer, dict):
        return f"pass a dict with the keys {list(KEYS)}, each holding the two numbers that hook recorded."
    present = set(dict.keys(answer))
    missing = [key for key in KEYS if key not in present]
    if missing:
        return f"the dict is missing the key(s) {missing}; the keys are {list(KEYS)}."
    expected = _hook_order()
    given, want, eps = {}, {}, 0.0
    for key in KEYS:
        numbers = read_numbers(dict.__getitem__(answer, key))
        values = numbers.values.reshape(-1)
        if values.shape != (2,):
            return (f"[{key!r}] holds {values.size} numbers; it should hold two, the first element of what that "
                    "hook saw in each of the two passes.")
        given[key], want[key], eps = values, np.asarray(expected[key]), max(eps, numbers.eps)
    same = {key: close(given[key], want[key], eps=eps) for key in KEYS}
    if all(same.values()):
        return None
    tensor, post = given["tensor_hook"], given["post_accumulate"]
    if close(tensor, want["post_accumulate"], eps=eps) and close(post, want["tensor_hook"], eps=eps):
        return HOOKS_SWAPPED
    if same["tensor_hook"] and close(post, np.full(2, want["post_accumulate"][-1]), eps=eps):
        return VIEWS_OF_GRAD
    if same["tensor_hook"] and close(post, want["tensor_hook"], eps=eps):
        return POST_SEES_INCOMING
    if same["post_accumulate"] and close(tensor, want["post_accumulate"], eps=eps):
        return TENSOR_HOOK_SEES_GRAD
    wrong_keys = [key for key in KEYS if not same[key]]
    return f"the numbers in {wrong_keys} are not what that hook sees in each pass."


# --- 12.4: capture activations with forward hooks -----------------------------------------------

CALLED_BY_HAND = Mistake("the model itself was never called as model(x): calling its layers one by one is not "
                         "what every model computes (a skip connection, for one, is not a layer); run model(x) once "
                         "and let the hooks collect", name="layers_called_by_hand")
CALLED_TWICE = Mistake("model(x) ran more than once: every run fires the hooks again; run it once",
                       name="model_run_more_than_once")
HOOKS_LEFT = Mistake("a forward hook is still registered on the model afterwards: it would fire on every later "
                     "forward pass; keep each handle and call remove() before returning",
                     name="hooks_left_registered")
CAPTURED_INPUTS = Mistake("these are the Tanh layers' inputs: a forward hook is called as hook(module, inputs, "
                          "output)", name="captured_inputs_not_outputs")
ONLY_TOP_LEVEL = Mistake("the Tanh layers nested inside a block were missed: children() sees only the top level "
                         "of a model", name="children_not_modules")
DEFINITION_ORDER = Mistake("the outputs are there, but in the order the layers were defined, not the order they "
                           "ran: let the hooks append as the forward pass reaches each layer",
                           name="definition_order_not_run_order")
EXTRA_LAYERS = Mistake("the list holds more tensors than there were Tanh calls: outputs of other layers were "
                       "kept too (pick the layers with isinstance)", name="captured_other_layers")


class _Counted(nn.Sequential):
    """A Sequential that counts how often it is called, so the check can see one ``model(x)``."""

    def __init__(self, *layers: nn.Module) -> None:
        super().__init__(*layers)
        self.calls = 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        self.calls += 1
        return super().forward(x)


class _Block(nn.Module):
    """Linear then Tanh, as a custom module (so the Tanh sits one level down)."""

    def __init__(self, n: int) -> None:
        super().__init__()
        self.linear, self.act = nn.Linear(n, n), nn.Tanh()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.linear(x))


class _SkipNet(nn.Module):
    """Two Tanh layers defined in one order and run in the other, with a skip connection."""

    def __init__(self) -> None:
        super().__init__()
        self.first = nn.Linear(3, 4)
        self.late = nn.Tanh()    # defined first, runs second
        self.early = nn.Tanh()   # defined second, runs first
        self.last = nn.Linear(4, 4)
        self.calls = 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        h = self.early(self.first(x))
        return self.late(self.last(h) + h)


def _flat_case() -> tuple[nn.Module, torch.Tensor]:
    with seeded(12):
        model = _Counted(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 4), nn.ReLU(), nn.Linear(4, 4), nn.Tanh())
        return model, torch.randn(6, 3)


def _nested_case() -> tuple[nn.Module, torch.Tensor]:
    with seeded(13):
        model = _Counted(nn.Linear(3, 4), nn.Tanh(), _Counted(nn.Linear(4, 4), nn.ReLU(), _Block(4)), _Block(4),
                         nn.Linear(4, 2))
        return model, torch.randn(5, 3)


def _skip_case() -> tuple[nn.Module, torch.Tensor]:
    with seeded(14):
        return _SkipNet(), torch.randn(4, 3)


def _recorded(model: nn.Module, x: torch.Tensor, which: Sequence[nn.Module], part: str) -> list[torch.Tensor]:
    """What forward hooks on ``which`` see during one model(x), in run order (the check's own run)."""
    with forward_seen(which, lambda m, inputs, output: (inputs[0] if part == "input" else output).detach()) as seen:
        with torch.no_grad():
            model(x)
    return seen


def _forward_hooks_left(model: nn.Module) -> bool:
    from torch.nn.modules import module as module_globals

    if getattr(module_globals, "_global_forward_hooks", None):
        return True
    return any(m._forward_hooks or m._forward_pre_hooks for m in model.modules())


def _same_tensors(given: list[Any], want: list[torch.Tensor]) -> bool:
    if len(given) != len(want):
        return False
    for got, expected in zip(given, want):
        try:
            numbers = read_numbers(got)
        except BadAnswer:
            return False
        if not close(numbers.values, expected.double().numpy(), eps=numbers.eps):
            return False
    return True


def _judge_capture(run: Run) -> Any:
    model, x = run.expected_inputs   # the reference's copy: no learner hooks on it
    learner_model = run.inputs[0]
    result = run.result
    if learner_model.calls == 0:
        return CALLED_BY_HAND
    if learner_model.calls > 1:
        return CALLED_TWICE
    if _forward_hooks_left(learner_model):
        return HOOKS_LEFT
    if not isinstance(result, (list, tuple)):
        return f"it returned {describe(result)}; return a list of tensors, one per Tanh call, in the order they ran"
    tanhs = [m for m in model.modules() if isinstance(m, nn.Tanh)]
    if result and all(isinstance(item, tuple) and item and isinstance(item[0], torch.Tensor) for item in result):
        if _same_tensors([item[0] for item in result], _recorded(model, x, tanhs, "input")):
            return CAPTURED_INPUTS
        return "the list holds tuples; return the output tensors the hooks received"
    if not all(isinstance(item, torch.Tensor) for item in result):
        return "the list holds something that is not a tensor; return the outputs the hooks received"
    outputs = _recorded(model, x, tanhs, "output")
    if _same_tensors(list(result), outputs):
        return None
    if not result:
        return "the list is empty: no forward hook recorded anything during model(x)"
    if _same_tensors(list(result), _recorded(model, x, tanhs, "input")):
        return CAPTURED_INPUTS
    top = [m for m in model.children() if isinstance(m, nn.Tanh)]
    if len(top) < len(tanhs) and _same_tensors(list(result), _recorded(model, x, top, "output")):
        return ONLY_TOP_LEVEL
    by_definition = [_recorded(model, x, [m], "output")[0] for m in tanhs]
    if _same_tensors(list(result), by_definition):
        return DEFINITION_ORDER
    if len(result) > len(outputs):
        return EXTRA_LAYERS
    return f"the list holds {len(result)} tensors, but they are not the outputs of the {len(outputs)} Tanh calls"


def _capture_tanh_outputs(model: nn.Module, x: torch.Tensor) -> list[torch.Tensor]:
    outputs: list[torch.Tensor] = []
    handles = [module.register_forward_hook(lambda mod, inp, out: outputs.append(out))
               for module in model.modules() if isinstance(module, nn.Tanh)]
    try:
        model(x)
    finally:
        for handle in handles:
            handle.remove()
    return outputs


def _capture_leaves_hooks(model: nn.Module, x: torch.Tensor) -> list[torch.Tensor]:
    outputs: list[torch.Tensor] = []
    for module in model.modules():
        if isinstance(module, nn.Tanh):
            module.register_forward_hook(lambda mod, inp, out: outputs.append(out))
    model(x)
    return outputs


def _capture_inputs(model: nn.Module, x: torch.Tensor) -> list[torch.Tensor]:
    outputs: list[torch.Tensor] = []
    handles = [module.register_forward_hook(lambda mod, inp, out: outputs.append(inp[0]))
               for module in model.modules() if isinstance(module, nn.Tanh)]
    model(x)
    for handle in handles:
        handle.remove()
    return outputs


def _capture_input_tuples(model: nn.Module, x: torch.Tensor) -> list[tuple]:
    outputs: list[tuple] = []
    handles = [module.register_forward_hook(lambda mod, inp, out: outputs.append(inp))
               for module in model.modules() if isinstance(module, nn.Tanh)]
    model(x)
    for handle in handles:
        handle.remove()
    return outputs


def _capture_children(model: nn.Module, x: torch.Tensor) -> list[torch.Tensor]:
    outputs: list[torch.Tensor] = []
    handles = [module.register_forward_hook(lambda mod, inp, out: outputs.append(out))
               for module in model.children() if isinstance(module, nn.Tanh)]
    model(x)
    for handle in handles:
        handle.remove()
    return outputs


def _capture_every_module(model: nn.Module, x: torch.Tensor) -> list[torch.Tensor]:
    outputs: list[torch.Tensor] = []
    handles = [module.register_forward_hook(lambda mod, inp, out: outputs.append(out)) for module in model.modules()]
    model(x)
    for handle in handles:
        handle.remove()
    return outputs


def _capture_by_hand(model: nn.Module, x: torch.Tensor) -> list[torch.Tensor]:
    outputs = []
    for layer in model.children():
        x = layer(x)
        if isinstance(layer, nn.Tanh):
            outputs.append(x)
    return outputs


def _capture_running_twice(model: nn.Module, x: torch.Tensor) -> list[torch.Tensor]:
    model(x)  # "to see that it works" first
    return _capture_tanh_outputs(model, x)


def _capture_with_pre_hooks(model: nn.Module, x: torch.Tensor) -> list[torch.Tensor]:
    outputs: list[torch.Tensor] = []
    handles = [module.register_forward_pre_hook(lambda mod, inp: outputs.append(inp[0]))
               for module in model.modules() if isinstance(module, nn.Tanh)]
    model(x)
    for handle in handles:
        handle.remove()
    return outputs


def _capture_detached_tuple(model: nn.Module, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
    outputs: list[torch.Tensor] = []
    handles = [m.register_forward_hook(lambda mod, inp, out: outputs.append(out.detach().clone()))
               for m in model.modules() if type(m) is nn.Tanh]
    with torch.no_grad():
        model(x)
    for handle in handles:
        handle.remove()
    return tuple(outputs)


register(
    FunctionExercise(
        id="hooks.zero_non_finite",
        title="a tensor hook that replaces NaN, inf and -inf in the gradient by 0",
        hint="A tensor hook changes the gradient only through what it returns. Build a new tensor of the same "
             "shape and dtype that keeps every ordinary number where it is and holds 0 wherever the gradient holds "
             "NaN, inf or -inf (all three kinds), and leave the tensor you receive untouched: autograd may still "
             "use it elsewhere.",
        first_step="Try the hook by hand before checking it: zero_non_finite(torch.tensor([1.5, float('nan'), "
                   "float('inf'), -float('inf')])) should give tensor([1.5, 0., 0., 0.]), and the tensor you passed "
                   "in must still hold its NaN and its two infinities.",
        solution=returns(_zero_non_finite),
        signature="zero_non_finite(grad)",
        what="hook",
        adapt=_drive_hook,
        cases=[Case("a float32 gradient of shape (6,) holding NaN, inf and -inf, the hook called directly",
                    _called((6,), torch.float32, 120, "nan", "inf", "-inf"), judge=_judge_called),
               Case("a float64 gradient of shape (3, 4) holding two NaN and a -inf, the hook called directly",
                    _called((3, 4), torch.float64, 121, "nan", "-inf", "nan"), judge=_judge_called),
               Case("a float32 gradient without NaN or inf, the hook called directly",
                    _called((2, 3), torch.float32, 123), judge=_judge_called),
               Case("a leaf with the hook registered by register_hook", _registered("leaf", (5,), 122, "inf", "nan"),
                    judge=_judge_registered),
               Case("an intermediate y = 3x with the hook registered",
                    _registered("intermediate", (2, 3), 124, "-inf", "nan"), judge=_judge_registered)],
        right_examples=[returns(_zero_with_masked_fill), returns(_zero_a_copy_in_place),
                        returns(_zero_by_self_comparison),
                        returns(lambda grad: torch.nan_to_num(grad, nan=0.0, posinf=0.0, neginf=0.0)),
                        returns(lambda grad: grad.where(grad.isfinite(), torch.tensor(0.0)))],
        wrong_examples=[wrong(returns(_zero_in_place), says=IN_PLACE.says),
                        wrong(returns(_zero_by_assignment), says=IN_PLACE.says),
                        wrong(returns(lambda grad: None), says=RETURNED_NONE.says),
                        wrong(returns(_zero_in_float64), says="torch refuses a hook that changes the dtype"),
                        wrong(returns(_zero_nan_only), says=INF_LEFT.says),
                        wrong(returns(_zero_inf_only), says=NAN_LEFT.says),
                        wrong(returns(_zero_nan_and_plus_inf), says=INF_LEFT.says),
                        wrong(returns(lambda grad: torch.nan_to_num(grad)), says=INF_TO_LARGEST.says),
                        wrong(returns(lambda grad: torch.nan_to_num(grad, nan=1.0, posinf=1.0, neginf=-1.0)),
                              says=OTHER_FILL.says),
                        wrong(returns(_zero_everything_if_spoiled), says=ZEROED_ALL.says),
                        wrong(returns(lambda grad: _zero_non_finite(grad) * 0.5), says=FINITE_CHANGED.says),
                        wrong(returns(_finite_elements_only), says=MASK_SELECTED.says),
                        wrong(returns(lambda grad: _zero_non_finite(grad).tolist()), says=NOT_A_TENSOR.says),
                        wrong(returns(lambda grad: _zero_non_finite(grad).sum()), says=CHANGED_SHAPE.says),
                        wrong(lambda: _zero_non_finite(torch.ones(2)), says="pass the hook itself")],
    ),
    NumericExercise(
        id="hooks.rerun_stacking",
        title="x.grad[0] after a hook cell ran three times",
        hint="Each run of register_hook adds one more hook; none replaces another. All of them run, one after "
             "the other, each on the previous hook's result.",
        first_step="Start without any hook: what is x.grad[0] for (3 * x).sum()? Then apply the first hook to "
                   "that number, the second hook to the result, and the third hook to that.",
        solution=_rerun_stacking,
        mistakes=[Mistake("the result of a single hook: re-running the cell does not replace the hook, it adds one",
                          lambda e: e / 4, name="rerun_replaces_hook"),
                  Mistake("the hooks' effects added up instead of applied one after another", lambda e: e * 3 / 4,
                          name="hook_effects_added"),
                  Mistake("the gradient with no hook at all", lambda e: e / 8, name="hooks_ignored"),
                  Mistake("the gradient doubled twice: the first run of the cell registered a hook too, so three "
                          "runs leave three hooks", lambda e: e / 2, name="miscounted_hooks"),
                  Mistake("the gradient doubled four times: three runs of the cell register three hooks, no more",
                          lambda e: e * 2, name="miscounted_hooks"),
                  Mistake("the three doublings without the gradient of (3 * x).sum() itself: the hooks act on the "
                          "gradient 3, not on 1", lambda e: e / 3, name="forgot_the_factor_3")],
        wrong_examples=[wrong(lambda: 6.0, says="re-running the cell does not replace the hook"),
                        wrong(lambda: 18.0, says="added up"), wrong(lambda: 3.0, says="no hook at all"),
                        wrong(lambda: 8.0, says="act on the gradient 3"),
                        wrong(lambda: 12.0, says="doubled twice"), wrong(lambda: 48.0, says="doubled four times"),
                        lambda: 30.0],
        right_examples=[lambda: torch.tensor([_rerun_stacking()]), lambda: int(_rerun_stacking()),
                        lambda: np.float32(_rerun_stacking())],
    ),
    PropertyExercise(
        id="hooks.hook_order",
        title="what a tensor hook and a post-accumulate hook see over two backward passes",
        hint="The two hooks do not see the same thing: one runs before the incoming gradient is added to .grad, "
             "the other after, and .grad is not zeroed between the two passes. Ask, for each pass, what each "
             "hook receives, and record numbers, not views of tensors that backward() changes later.",
        first_step="Do it with real hooks: create w, register one hook of each kind that appends the first element "
                   "of what it sees as a number (.item()), call backward twice, then print the two lists.",
        solution=_hook_order,
        judge=_judge_hook_order,
        kind="a dict {'tensor_hook': [first, second], 'post_accumulate': [first, second]}",
        right_examples=[lambda: {key: torch.tensor(values) for key, values in _hook_order().items()},
                        lambda: {key: tuple(int(v) for v in values) for key, values in _hook_order().items()}],
        wrong_examples=[wrong(lambda: {"tensor_hook": [3.0, 6.0], "post_accumulate": [3.0, 3.0]},
                              says=HOOKS_SWAPPED.says),
                        wrong(lambda: {"tensor_hook": [3.0, 3.0], "post_accumulate": [6.0, 6.0]},
                              says=VIEWS_OF_GRAD.says),
                        wrong(lambda: {"tensor_hook": [3.0, 3.0], "post_accumulate": [3.0, 3.0]},
                              says=POST_SEES_INCOMING.says),
                        wrong(lambda: {"tensor_hook": [3.0, 6.0], "post_accumulate": [3.0, 6.0]},
                              says=TENSOR_HOOK_SEES_GRAD.says),
                        wrong(lambda: [3.0, 3.0, 3.0, 6.0], says="pass a dict"),
                        wrong(lambda: {"tensor": [3.0, 3.0], "post": [3.0, 6.0]}, says="missing the key")],
    ),
    FunctionExercise(
        id="hooks.capture_activations",
        title="capture every Tanh output with forward hooks, then remove them",
        hint="register_forward_hook returns a handle; a hook left registered runs on every later forward pass "
             "(and stacks with the next call's). Register one hook on every Tanh layer, nested ones included, "
             "run model(x) once, and remove every hook before returning, even if the forward pass fails.",
        first_step="Write the loop that finds the layers first and print them: for module in model.modules(): "
                   "print(type(module).__name__). Then register a hook on each Tanh that appends its output to a "
                   "list, and keep what register_forward_hook returns in a second list.",
        solution=returns(_capture_tanh_outputs),
        signature="capture_tanh_outputs(model, x)",
        cases=[Case("a Sequential with two Tanh layers", _flat_case, judge=_judge_capture),
               Case("a model with Tanh layers nested inside blocks", _nested_case, judge=_judge_capture),
               Case("a model whose two Tanh layers run in another order than they were defined, with a skip "
                    "connection", _skip_case, judge=_judge_capture)],
        right_examples=[returns(_capture_detached_tuple)],
        wrong_examples=[wrong(returns(_capture_leaves_hooks), says=HOOKS_LEFT.says),
                        wrong(returns(_capture_inputs), says=CAPTURED_INPUTS.says),
                        wrong(returns(_capture_with_pre_hooks), says=CAPTURED_INPUTS.says),
                        wrong(returns(_capture_input_tuples), says=CAPTURED_INPUTS.says),
                        wrong(returns(_capture_children), says=ONLY_TOP_LEVEL.says),
                        wrong(returns(_capture_every_module), says=EXTRA_LAYERS.says),
                        wrong(returns(_capture_by_hand), says=CALLED_BY_HAND.says),
                        wrong(returns(_capture_running_twice), says=CALLED_TWICE.says),
                        wrong(lambda: [torch.zeros(6, 5), torch.zeros(6, 4)], says="pass the function itself")],
    ),
)
