"""Chapter 12 (hooks): the wrong answers a beginner typed in a real kernel, each rejected and named.

Found by playing the learner edition through a kernel, answer by answer. Each case is the
learner's code as typed (a function, or the value the cell passes), the misconception's name
the check must record (the instructor's report counts it), or None where a clear sentence is
the right reply and no misconception applies. The last test re-runs cells of the chapter out of
order, as a learner does, and requires the stored output.
"""
from __future__ import annotations

import re

import numpy as np
import pytest
import torch
from torch import nn

from course_utils.checks import WrongAnswer, check, reset_attempts
from coursetools.paths import NOTEBOOK_DIR


@pytest.fixture(autouse=True)
def strict(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COURSE_CHECKS_STRICT", "1")
    reset_attempts()


def outputs_after_rerunning(path, rerun: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    """Run a chapter top to bottom in one kernel, then the cells ``rerun`` (by id) once more, in that order.

    Returns the stored outputs and the outputs of the re-runs, by cell id, as the sanitize rules read them.
    """
    import copy

    import nbformat
    from nbclient import NotebookClient

    from coursetools.notebooks import KERNEL_ARGS, apply_kernel_env
    from coursetools.sanitize import cell_text

    apply_kernel_env()
    nb = nbformat.read(path, as_version=4)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    by_id = {cell.get("id"): cell for cell in code}
    plan = copy.deepcopy(nb)
    plan.cells = [copy.deepcopy(cell) for cell in code] + [copy.deepcopy(by_id[i]) for i in rerun]
    NotebookClient(plan, timeout=120, kernel_name="python3", allow_errors=True, extra_arguments=KERNEL_ARGS,
                   resources={"metadata": {"path": str(NOTEBOOK_DIR)}}).execute()
    again = {cell.get("id"): cell_text(cell) for cell in plan.cells[len(code):]}
    return {i: cell_text(by_id[i]) for i in rerun}, again


def verdict(exercise_id: str, answer) -> WrongAnswer:
    with pytest.raises(WrongAnswer) as info:
        check(exercise_id, answer)
    return info.value


# --- 12.1 -----------------------------------------------------------------------------------------

def in_place(grad):
    return grad.nan_to_num_(0.0, 0.0, 0.0)


def by_assignment(grad):
    grad[~torch.isfinite(grad)] = 0
    return grad


def forgot_return(grad):
    torch.where(torch.isfinite(grad), grad, torch.zeros_like(grad))


def in_float64(grad):
    return torch.where(torch.isfinite(grad), grad.double(), 0.0)


def nan_only(grad):
    return torch.where(torch.isnan(grad), torch.zeros_like(grad), grad)


def inf_only(grad):
    return torch.where(torch.isinf(grad), torch.zeros_like(grad), grad)


def by_equality(grad):                                   # NaN == NaN is False: the NaN survives
    return torch.where((grad == float("nan")) | (grad.abs() == float("inf")), torch.zeros_like(grad), grad)


def plus_inf_and_nan(grad):
    return torch.where(torch.isnan(grad) | (grad == float("inf")), torch.zeros_like(grad), grad)


def all_or_nothing(grad):
    if torch.isfinite(grad).all():
        return grad
    return torch.zeros_like(grad)


def as_numpy(grad):
    return np.nan_to_num(grad.numpy(), nan=0.0, posinf=0.0, neginf=0.0)


def python_if(grad):
    return grad if torch.isfinite(grad) else torch.zeros_like(grad)


NON_FINITE_WRONG = [
    (in_place, "hook_modified_its_argument"),
    (by_assignment, "hook_modified_its_argument"),
    (forgot_return, "hook_returned_none"),
    (in_float64, "hook_changed_dtype"),
    (nan_only, "inf_left_in_place"),
    (inf_only, "nan_left_in_place"),
    (by_equality, "nan_left_in_place"),
    (plus_inf_and_nan, "inf_left_in_place"),
    (lambda grad: torch.nan_to_num(grad), "inf_became_largest_float"),
    (lambda grad: torch.nan_to_num(grad, nan=0.0, posinf=1.0, neginf=-1.0), "replaced_by_other_numbers"),
    (all_or_nothing, "zeroed_the_whole_gradient"),
    (lambda grad: grad[torch.isfinite(grad)], "mask_selected_elements"),
    (lambda grad: torch.where(torch.isfinite(grad), grad, 0.0).clamp(-1.0, 1.0), "finite_elements_changed"),
    (as_numpy, "hook_returned_no_tensor"),
    (lambda grad: torch.where(torch.isfinite(grad), grad, 0.0).sum(), "hook_changed_shape"),
    (python_if, None),                                    # "your code raised RuntimeError: Boolean value ..."
    (torch.tensor([1.0, 0.0]), None),                     # the hook was called: "pass the hook itself"
]


@pytest.mark.parametrize("answer,mistake", NON_FINITE_WRONG)
def test_non_finite_hook_wrong_answers_are_named(answer, mistake) -> None:
    assert verdict("hooks.zero_non_finite", answer).mistake == mistake


def test_the_float64_hook_is_the_one_torch_refuses() -> None:
    """The check names what torch itself rejects during backward()."""
    x = torch.ones(3, requires_grad=True)
    x.register_hook(in_float64)
    with pytest.raises(RuntimeError, match="changed the type of value"):
        (2 * x).sum().backward()
    message = " ".join(str(verdict("hooks.zero_non_finite", in_float64)).split())
    assert "torch.float64 tensor for a torch.float32 gradient" in message


def test_a_hook_that_scales_the_finite_elements_by_four_millionths_is_told_they_changed() -> None:
    """The finite elements must come back as they arrived: a factor 1.000004, far beyond float32's rounding, is
    not forgiven as a rounding difference."""
    wrong = verdict("hooks.zero_non_finite", lambda grad: torch.where(torch.isfinite(grad), grad * 1.000004, 0.0))
    assert wrong.mistake == "finite_elements_changed"
    assert "the finite elements changed: the hook must return them exactly as they arrived" in wrong.problem


def test_nan_to_num_with_its_defaults_keeps_enormous_gradients() -> None:
    """Why inf_became_largest_float is a mistake: the default turns inf into the largest float, not 0."""
    assert torch.nan_to_num(torch.tensor([float("inf")])).item() == torch.finfo(torch.float32).max


def test_non_finite_hook_accepts_other_correct_forms(capsys) -> None:
    def printing(grad):
        print("hook got", tuple(grad.shape))
        return grad.nan_to_num(nan=0.0, posinf=0.0, neginf=0.0)

    def copy_then_assign(grad):
        new = grad.clone()
        new[~torch.isfinite(new)] = 0.0
        return new

    for answer in [lambda grad: torch.where(torch.isfinite(grad), grad, 0.0), printing, copy_then_assign,
                   lambda grad: grad.masked_fill(~grad.isfinite(), 0)]:
        check("hooks.zero_non_finite", answer)
    assert capsys.readouterr().out.count("Correct: hooks.zero_non_finite") == 4


def test_the_hint_and_first_step_name_no_call() -> None:
    from course_utils.checks import EXERCISES

    exercise = EXERCISES["hooks.zero_non_finite"]
    for text in (exercise.hint, exercise.first_step):
        calls = ("isfinite", "where(", ".where", "nan_to_num", "masked_fill", "isnan", "isinf")
        assert not any(call in text for call in calls)


def test_the_chapter_never_runs_a_hook_on_nan_or_inf() -> None:
    """12.1 is a transfer task: no cell before it shows a hook that handles NaN or inf."""
    import nbformat

    nb = nbformat.read(NOTEBOOK_DIR / "12_hooks.ipynb", as_version=4)
    exercise = next(i for i, c in enumerate(nb.cells) if "### Exercise 12.1" in c.source)
    code = "\n".join(c.source for c in nb.cells[:exercise] if c.cell_type == "code")
    assert not re.search(r"isfinite|nan_to_num|\bnan\b|\binf\b", code)


def fixes_only_when_called_directly(inside_backward):
    """A hook that is right when called by hand but does something else inside backward(), where torch runs
    hooks with grad mode off: the direct calls cannot tell, so the registered cases must."""
    def hook(grad):
        if not torch.is_grad_enabled():
            return inside_backward(grad)
        return torch.where(torch.isfinite(grad), grad, torch.zeros_like(grad))

    return hook


@pytest.mark.parametrize("inside_backward, says", [
    (lambda grad: None, "on a leaf with the hook registered by register_hook, x.grad still holds NaN or infinite "
                        "elements after backward() with your hook registered"),
    (torch.zeros_like, "on a leaf with the hook registered by register_hook, .grad is not the gradient with its "
                       "non-finite elements replaced by 0 once the hook is registered"),
], ids=["keeps_the_gradient", "zeroes_everything"])
def test_a_hook_right_only_when_called_directly_fails_once_registered(inside_backward, says) -> None:
    wrong = verdict("hooks.zero_non_finite", fixes_only_when_called_directly(inside_backward))
    assert wrong.mistake is None
    assert says in " ".join(str(wrong).split())


def test_a_hook_that_zeroes_only_nan_inside_backward_fails_on_the_registered_infinities() -> None:
    """The registered cases hand the hook their inf and -inf as they are: a hook that is right when called
    directly but, inside backward(), zeroes only the NaN leaves the leaf's inf in x.grad."""
    wrong = verdict("hooks.zero_non_finite", fixes_only_when_called_directly(nan_only))
    assert wrong.mistake is None
    assert ("on a leaf with the hook registered by register_hook, x.grad still holds NaN or infinite elements "
            "after backward() with your hook registered") in " ".join(str(wrong).split())


def test_infinities_capped_at_1e30_in_float64_are_other_numbers_not_the_largest_float() -> None:
    """A hook right on float32 that, on the float64 gradient, turns -inf into -1e30: far below float64's largest
    number (1.8e308), so it is told the elements became other numbers, not the dtype's largest."""
    def caps_float64(grad):
        if grad.dtype == torch.float64:
            return torch.nan_to_num(grad, nan=0.0, posinf=1e30, neginf=-1e30)
        return torch.where(torch.isfinite(grad), grad, torch.zeros_like(grad))

    wrong = verdict("hooks.zero_non_finite", caps_float64)
    assert wrong.mistake == "replaced_by_other_numbers"
    assert "on a float64 gradient of shape (3, 4)" in " ".join(str(wrong).split())


def test_a_hook_that_fills_1e_9_instead_of_0_is_caught_where_the_gradient_is_tripled() -> None:
    """1e-9 is within the direct calls' tolerance around 0, and so is x.grad on the leaf, where the hook's output is
    x.grad itself; on the intermediate y = 3x, x.grad holds 3e-9 where 0 belongs, and the check says so there."""
    wrong = verdict("hooks.zero_non_finite", lambda grad: torch.where(torch.isfinite(grad), grad, 1e-9))
    assert wrong.mistake is None
    assert ("on an intermediate y = 3x with the hook registered, .grad is not the gradient with its non-finite "
            "elements replaced by 0 once the hook is registered") in " ".join(str(wrong).split())


def test_each_registered_case_hands_the_same_gradients_to_the_hook_and_to_the_reference() -> None:
    """The tensor that carries the hook is finite; only the incoming gradient holds the kinds the case spoils."""
    from course_utils.checks import EXERCISES
    from course_utils.exercises.hooks import _registered

    registered = [c for c in EXERCISES["hooks.zero_non_finite"].cases if "registered" in c.name]
    built = [_registered("leaf", (5,), 122, "inf", "nan"), _registered("intermediate", (2, 3), 124, "-inf", "nan")]
    assert len(registered) == len(built)
    for case, make, spoiled in zip(registered, built, [{"inf", "nan"}, {"-inf", "nan"}]):
        (how, data, incoming), (how_again, data_again, incoming_again) = make(), case.inputs()
        assert how == how_again and how in case.name
        assert torch.equal(data, data_again) and torch.allclose(incoming, incoming_again, equal_nan=True)
        assert bool(torch.isfinite(data).all()) and data.shape == incoming.shape
        assert {str(v) for v in incoming[~torch.isfinite(incoming)].tolist()} == spoiled


# --- 12.2 and 12.3 --------------------------------------------------------------------------------

@pytest.mark.parametrize("answer,mistake", [
    (6.0, "rerun_replaces_hook"), (18.0, "hook_effects_added"), (3.0, "hooks_ignored"), (8.0, "forgot_the_factor_3"),
    (12.0, "miscounted_hooks"), (48.0, "miscounted_hooks"), ("24", None), (torch.tensor([24.0, 24.0]), None)])
def test_rerun_stacking_wrong_answers(answer, mistake) -> None:
    assert verdict("hooks.rerun_stacking", answer).mistake == mistake


def _seen_with(record_tensor_hook, record_post) -> dict:
    """What the learner's own cell records (the exercise's setup, with the learner's recording)."""
    w = torch.tensor([1.0, -1.0], requires_grad=True)
    seen = {"tensor_hook": [], "post_accumulate": []}
    w.register_hook(lambda grad: seen["tensor_hook"].append(record_tensor_hook(grad)))
    w.register_post_accumulate_grad_hook(lambda p: seen["post_accumulate"].append(record_post(p)))
    for _ in range(2):
        (3 * w).sum().backward()
    return seen


def test_hook_order_views_of_grad_are_named() -> None:
    """A real trap: p.grad[0] is a view, and backward() adds into .grad in place."""
    seen = _seen_with(lambda grad: grad[0], lambda p: p.grad[0])
    assert [float(v) for v in seen["post_accumulate"]] == [6.0, 6.0]
    assert verdict("hooks.hook_order", seen).mistake == "recorded_views_of_grad"
    check("hooks.hook_order", _seen_with(lambda grad: grad[0].item(), lambda p: p.grad[0].item()))


@pytest.mark.parametrize("answer,mistake", [
    ({"tensor_hook": [3.0, 6.0], "post_accumulate": [3.0, 3.0]}, "hook_kinds_swapped"),
    ({"tensor_hook": [3.0, 3.0], "post_accumulate": [3.0, 3.0]}, "post_accumulate_sees_incoming"),
    ({"tensor_hook": [3.0, 6.0], "post_accumulate": [3.0, 6.0]}, "tensor_hook_sees_grad"),
    ({"tensor": [3.0, 3.0], "post": [3.0, 6.0]}, None),
    ([3.0, 3.0, 3.0, 6.0], None)])
def test_hook_order_wrong_answers(answer, mistake) -> None:
    assert verdict("hooks.hook_order", answer).mistake == mistake


def test_hook_order_names_the_list_that_is_wrong() -> None:
    wrong = verdict("hooks.hook_order", {"tensor_hook": [3.0, 3.0], "post_accumulate": [1.0, 2.0]})
    assert wrong.mistake is None
    said = " ".join(str(wrong).split())
    assert "the numbers in ['post_accumulate'] are not what that hook sees in each pass." in said


def test_hook_order_a_wrong_tensor_hook_list_beside_a_right_post_accumulate_list_is_named_as_wrong() -> None:
    """Numbers that are not the running .grad are not told they are: the sentence names the wrong list."""
    wrong = verdict("hooks.hook_order", {"tensor_hook": [1.0, 1.0], "post_accumulate": [3.0, 6.0]})
    assert wrong.mistake is None
    assert "the numbers in ['tensor_hook'] are not what that hook sees in each pass." in " ".join(str(wrong).split())


def test_hook_order_first_elements_kept_as_one_element_tensors_pass() -> None:
    """grad[:1].clone() records the first element as a tensor of shape (1,): two of them are the two numbers."""
    check("hooks.hook_order", _seen_with(lambda grad: grad[:1].clone(), lambda p: p.grad[:1].clone()))


def test_hook_order_numbers_in_half_precision_are_allowed_a_few_steps_of_it() -> None:
    """The shared tolerance rule: a float16 number one step above 3 (3.002) passes, the same number in float64
    does not."""
    def one_step_up(values, dtype):
        exact = torch.tensor(values, dtype=torch.float16)
        return torch.nextafter(exact, exact + 1).to(dtype)

    def answer(dtype):
        return {"tensor_hook": one_step_up([3.0, 3.0], dtype), "post_accumulate": one_step_up([3.0, 6.0], dtype)}

    check("hooks.hook_order", answer(torch.float16))
    wrong = verdict("hooks.hook_order", answer(torch.float64))
    assert "the numbers in ['tensor_hook', 'post_accumulate']" in " ".join(str(wrong).split())


@pytest.mark.parametrize("tensor_hook, post_accumulate, mistake", [
    ([3.0, 6.0], [3.0, 3.0], "hook_kinds_swapped"),
    ([3.0, 3.0], [3.0, 3.0], "post_accumulate_sees_incoming"),
])
def test_hook_order_mistakes_are_named_in_half_precision_a_step_off(tensor_hook, post_accumulate, mistake) -> None:
    """The shared tolerance rule holds for the mistakes too: float16 numbers one step above the swapped lists, or
    above the incoming gradients recorded twice, are named as the exact numbers are."""
    def one_step_up(values):
        exact = torch.tensor(values, dtype=torch.float16)
        return torch.nextafter(exact, exact + 1)

    answer = {"tensor_hook": one_step_up(tensor_hook), "post_accumulate": one_step_up(post_accumulate)}
    assert verdict("hooks.hook_order", answer).mistake == mistake


def test_hook_order_a_list_of_three_numbers_is_told_to_hold_two() -> None:
    wrong = verdict("hooks.hook_order", {"tensor_hook": [3.0, 3.0, 3.0], "post_accumulate": [3.0, 6.0]})
    assert wrong.mistake is None
    assert wrong.problem == ("['tensor_hook'] holds 3 numbers; it should hold two, the first element of what that "
                             "hook saw in each of the two passes.")


def test_hook_order_whole_tensors_get_a_sentence_not_a_crash() -> None:
    seen = _seen_with(lambda grad: grad.clone(), lambda p: p.grad.clone())
    assert "holds 4 numbers" in str(verdict("hooks.hook_order", seen))


# --- 12.4 -----------------------------------------------------------------------------------------

def with_children(model, x):
    outputs, handles = [], []
    for m in model.children():
        if isinstance(m, nn.Tanh):
            handles.append(m.register_forward_hook(lambda mod, inp, out: outputs.append(out)))
    model(x)
    for h in handles:
        h.remove()
    return outputs


def no_remove(model, x):
    outputs = []
    for m in model.modules():
        if isinstance(m, nn.Tanh):
            m.register_forward_hook(lambda mod, inp, out: outputs.append(out))
    model(x)
    return outputs


def input_tuples(model, x):
    outputs, handles = [], []
    for m in model.modules():
        if isinstance(m, nn.Tanh):
            handles.append(m.register_forward_hook(lambda mod, inp, out: outputs.append(inp)))
    model(x)
    for h in handles:
        h.remove()
    return outputs


def by_hand(model, x):
    outputs = []
    for layer in model:
        x = layer(x)
        if isinstance(layer, nn.Tanh):
            outputs.append(x)
    return outputs


def every_module(model, x):
    outputs, handles = [], []
    for m in model.modules():
        handles.append(m.register_forward_hook(lambda mod, inp, out: outputs.append(out)))
    model(x)
    for h in handles:
        h.remove()
    return outputs


def run_twice(model, x):
    outputs, handles = [], []
    for m in model.modules():
        if isinstance(m, nn.Tanh):
            handles.append(m.register_forward_hook(lambda mod, inp, out: outputs.append(out)))
    print(model(x).shape)
    model(x)
    for h in handles:
        h.remove()
    return outputs


def returns_handles(model, x):
    outputs, handles = [], []
    for m in model.modules():
        if isinstance(m, nn.Tanh):
            handles.append(m.register_forward_hook(lambda mod, inp, out: outputs.append(out)))
    model(x)
    return handles


def by_name(model, x):
    outputs, handles = {}, []
    for name, m in model.named_modules():
        if isinstance(m, nn.Tanh):
            handles.append(m.register_forward_hook(lambda mod, inp, out, name=name: outputs.__setitem__(name, out)))
    model(x)
    for h in handles:
        h.remove()
    return outputs


@pytest.mark.parametrize("answer,mistake", [
    (with_children, "children_not_modules"), (no_remove, "hooks_left_registered"),
    (input_tuples, "captured_inputs_not_outputs"), (by_hand, "layers_called_by_hand"),
    (every_module, "captured_other_layers"), (run_twice, "model_run_more_than_once"),
    (returns_handles, "hooks_left_registered"), (by_name, None)])
def test_capture_wrong_answers(answer, mistake, capsys) -> None:
    assert verdict("hooks.capture_activations", answer).mistake == mistake


def first_tanh_only(model, x):
    outputs, handles = [], []
    for m in model.modules():
        if isinstance(m, nn.Tanh):
            handles.append(m.register_forward_hook(lambda mod, inp, out: outputs.append(out)))
            break                                     # meant to leave the if, it leaves the loop
    model(x)
    for h in handles:
        h.remove()
    return outputs


def sample_by_sample(model, x):
    outputs, handles = [], []
    for m in model.modules():
        if isinstance(m, nn.Tanh):
            handles.append(m.register_forward_hook(lambda mod, inp, out: outputs.append(out)))
    for sample in x:                                  # one row of the batch at a time
        model(sample)
    for h in handles:
        h.remove()
    return outputs


def in_half_precision(model, x):                      # kept smaller, as activations often are
    outputs, handles = [], []
    for m in model.modules():
        if isinstance(m, nn.Tanh):
            handles.append(m.register_forward_hook(lambda mod, inp, out: outputs.append(out.detach().half())))
    model(x)
    for h in handles:
        h.remove()
    return outputs


def test_hooking_only_the_first_tanh_fails_on_the_flat_model_with_its_two_tanh_layers() -> None:
    wrong = verdict("hooks.capture_activations", first_tanh_only)
    assert wrong.mistake is None
    assert ("on a Sequential with two Tanh layers, the list holds 1 tensors, but they are not the outputs of the 2 "
            "Tanh calls") in " ".join(str(wrong).split())


def test_running_the_model_on_each_sample_of_the_batch_is_running_it_more_than_once() -> None:
    wrong = verdict("hooks.capture_activations", sample_by_sample)
    assert wrong.mistake == "model_run_more_than_once"
    assert "on a Sequential with two Tanh layers" in str(wrong)


def test_outputs_kept_in_half_precision_are_accepted() -> None:
    """The shared tolerance rule: an answer in a less precise dtype is allowed a few steps of its own precision."""
    check("hooks.capture_activations", in_half_precision)


def test_the_registered_example_of_hooks_left_captures_the_right_outputs() -> None:
    """The registry's example of hooks_left_registered (also a ./course grade sample) differs from a right answer
    only by the hooks it leaves: with them removed afterwards, its list is accepted."""
    from course_utils.exercises.hooks import _capture_leaves_hooks

    def hooks_removed_afterwards(model, x):
        outputs = _capture_leaves_hooks(model, x)
        for m in model.modules():
            m._forward_hooks.clear()
        return outputs

    check("hooks.capture_activations", hooks_removed_afterwards)
    assert verdict("hooks.capture_activations", _capture_leaves_hooks).mistake == "hooks_left_registered"


def test_children_passes_a_flat_model_so_the_check_needs_nesting() -> None:
    """Why the nested case exists: on the chapter's flat Sequential, children() is enough."""
    from course_utils.exercises.hooks import _capture_tanh_outputs, _flat_case

    model, x = _flat_case()
    mine, right = with_children(model, x), _capture_tanh_outputs(model, x)
    assert len(mine) == len(right) and all(torch.equal(a, b) for a, b in zip(mine, right))
    assert "nested inside blocks" in str(verdict("hooks.capture_activations", with_children))


def test_hooking_two_levels_down_misses_the_tanh_nested_deeper() -> None:
    """The nested case holds Tanh layers at three depths: a hook on the children and their children catches the
    top-level one and the one inside a block, and misses the one inside a block inside a block."""
    def two_levels(model, x):
        outputs, handles = [], []
        for child in model.children():
            for m in [child, *child.children()]:
                if isinstance(m, nn.Tanh):
                    handles.append(m.register_forward_hook(lambda mod, inp, out: outputs.append(out)))
        model(x)
        for h in handles:
            h.remove()
        return outputs

    wrong = verdict("hooks.capture_activations", two_levels)
    assert wrong.mistake is None
    assert ("on a model with Tanh layers nested inside blocks, the list holds 2 tensors, but they are not the "
            "outputs of the 3 Tanh calls") in " ".join(str(wrong).split())


def output_and_input_pairs(model, x):
    outputs, handles = [], []
    for m in model.modules():
        if isinstance(m, nn.Tanh):
            handles.append(m.register_forward_hook(lambda mod, inp, out: outputs.append((out, inp))))
    model(x)
    for h in handles:
        h.remove()
    return outputs


def test_capturing_output_and_input_pairs_is_told_to_return_the_output_tensors() -> None:
    """Tuples whose first item is not the Tanh input are not captured_inputs: the learner is told to keep outputs."""
    wrong = verdict("hooks.capture_activations", output_and_input_pairs)
    assert wrong.mistake is None
    assert ("on a Sequential with two Tanh layers, the list holds tuples; return the output tensors the hooks "
            "received") in " ".join(str(wrong).split())


def as_numpy_arrays(model, x):                        # "to plot them later"
    outputs, handles = [], []
    for m in model.modules():
        if isinstance(m, nn.Tanh):
            handles.append(m.register_forward_hook(lambda mod, inp, out: outputs.append(out.detach().numpy())))
    model(x)
    for h in handles:
        h.remove()
    return outputs


def test_capturing_numpy_arrays_is_told_to_return_the_output_tensors() -> None:
    wrong = verdict("hooks.capture_activations", as_numpy_arrays)
    assert wrong.mistake is None
    assert ("on a Sequential with two Tanh layers, the list holds something that is not a tensor; return the outputs "
            "the hooks received") in " ".join(str(wrong).split())


def test_a_global_forward_hook_left_registered_is_named() -> None:
    """A hook registered for every module with register_module_forward_hook, picking the Tanh layers itself, and
    never removed: the model carries no hook of its own, but the global one fires on every later forward pass."""
    from torch.nn.modules.module import register_module_forward_hook

    left = []

    def global_hook_kept(model, x):
        outputs = []
        left.append(register_module_forward_hook(
            lambda mod, inp, out: outputs.append(out) if isinstance(mod, nn.Tanh) else None))
        model(x)
        return outputs

    try:
        wrong = verdict("hooks.capture_activations", global_hook_kept)
    finally:
        for handle in left:
            handle.remove()
    assert wrong.mistake == "hooks_left_registered"
    assert "on a Sequential with two Tanh layers" in str(wrong)


# --- the chapter, re-run out of order -------------------------------------------------------------

def test_fused_step_cell_after_the_logger_cell_prints_what_is_stored() -> None:
    """Issue: cell 22 (the fused optimizer step) run after cell 28 (the logger) printed False."""
    stored, again = outputs_after_rerunning(NOTEBOOK_DIR / "12_hooks.ipynb", rerun=["hooks-022"])
    assert again["hooks-022"] == stored["hooks-022"]
    assert "same parameters as the usual step: True" in again["hooks-022"]
