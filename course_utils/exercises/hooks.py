"""Exercises of chapter 12, Hooks."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import torch
from torch import nn

from course_utils.checks import Mistake, NumericExercise, PropertyExercise, RecordExercise, register


# --- 12.1: a clipping hook ----------------------------------------------------------------------

def _clip_to_half(grad: torch.Tensor) -> torch.Tensor:
    return grad.clamp(-0.5, 0.5)


def _judge_clip_hook(hook: Any) -> str | None:
    if not callable(hook):
        return "pass the hook function itself, for example check(..., clip_to_half), not the result of calling it."
    generator = torch.Generator().manual_seed(12)
    for shape in [(5,), (3, 4)]:
        data = torch.randn(shape, generator=generator, dtype=torch.float64) * 2
        incoming = torch.randn(shape, generator=generator, dtype=torch.float64) * 2
        # Called directly: the hook must return the clipped copy and leave its argument alone.
        received = incoming.clone()
        returned = hook(received)
        if returned is None:
            return ("the hook returned None, which tells autograd to keep the gradient unchanged; "
                    "return the clipped tensor.")
        if not torch.equal(received, incoming):
            return "the hook changed the tensor it received (an in-place operation such as clamp_); return a copy."
        # Registered on a real tensor: .grad must be the clipped gradient.
        x = data.clone().requires_grad_()
        x.register_hook(hook)
        (x * incoming).sum().backward()  # the gradient arriving at x is `incoming`
        if not torch.allclose(x.grad, incoming.clamp(-0.5, 0.5)):
            return f"for a gradient of shape {shape}, .grad is not the gradient clipped to [-0.5, 0.5]."
    return None


def _clip_in_place(grad: torch.Tensor) -> torch.Tensor:
    return grad.clamp_(-0.5, 0.5)


# --- 12.2: a hook cell run three times ----------------------------------------------------------

def _rerun_stacking() -> float:
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    for _ in range(3):
        x.register_hook(lambda grad: grad * 2)
    (3 * x).sum().backward()
    return x.grad[0].item()


# --- 12.3: tensor hook vs post-accumulate hook --------------------------------------------------

def _hook_order() -> dict[str, list[float]]:
    w = torch.tensor([1.0, -1.0], requires_grad=True)
    seen: dict[str, list[float]] = {"tensor_hook": [], "post_accumulate": []}
    w.register_hook(lambda grad: seen["tensor_hook"].append(grad[0].item()))
    w.register_post_accumulate_grad_hook(lambda p: seen["post_accumulate"].append(p.grad[0].item()))
    for _ in range(2):
        (3 * w).sum().backward()
    return seen


def _mixed_up(expected: np.ndarray) -> np.ndarray:
    """The other hook's numbers: constant where they grow, growing where they are constant."""
    if expected[0] == expected[-1]:
        return np.cumsum(expected)
    return np.full_like(expected, expected[0])


# --- 12.4: capture activations with forward hooks -----------------------------------------------

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


def _judge_capture(function: Any) -> str | None:
    if not callable(function):
        return "pass the function itself, for example check(..., capture_tanh_outputs)."
    torch.manual_seed(12)
    model = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 4), nn.ReLU(), nn.Linear(4, 4), nn.Tanh())
    x = torch.randn(6, 3)
    with torch.no_grad():
        first = model[1](model[0](x))
        second = model[5](model[4](model[3](model[2](first))))
    answer = function(model, x)
    if any(len(module._forward_hooks) for module in model.modules()):
        return "a forward hook is still registered on the model afterwards: keep each handle and call remove()."
    if not isinstance(answer, (list, tuple)):
        return "the function should return a list of tensors, one per Tanh layer."
    if len(answer) != 2:
        return f"the model has 2 Tanh layers, but the list holds {len(answer)} tensors."
    for got, want in zip(answer, [first, second]):
        if not isinstance(got, torch.Tensor) or tuple(got.shape) != tuple(want.shape):
            return "an element is not a tensor shaped like that Tanh layer's output."
        if not torch.allclose(got.detach(), want):
            return "the tensors are not the Tanh layers' outputs (a forward hook's arguments are module, inputs, output)."
    return None


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


def _capture_every_layer(model: nn.Module, x: torch.Tensor) -> list[torch.Tensor]:
    outputs: list[torch.Tensor] = []
    handles = [module.register_forward_hook(lambda mod, inp, out: outputs.append(out)) for module in model]
    model(x)
    for handle in handles:
        handle.remove()
    return outputs


def _fn(f: Callable) -> Callable[[], Callable]:
    return lambda: f


register(
    PropertyExercise(
        id="hooks.clip_hook",
        title="a tensor hook that clips the gradient to [-0.5, 0.5]",
        hint="A tensor hook replaces the gradient only through its return value, and it must not modify the "
             "tensor it receives: return grad.clamp(low, high), not grad.clamp_(...) and not None.",
        solution=_fn(_clip_to_half),
        judge=_judge_clip_hook,
        kind="a function hook(grad) -> tensor",
        wrong_examples=[_fn(lambda grad: grad.clamp(-1.0, 1.0)), _fn(_clip_in_place),
                        _fn(lambda grad: None), _fn(lambda grad: grad * 0.5), lambda: _clip_to_half(torch.ones(2))],
    ),
    NumericExercise(
        id="hooks.rerun_stacking",
        title="x.grad[0] after a hook cell ran three times",
        hint="Each run of register_hook adds one more hook; none replaces another. All of them run, one after "
             "the other, each on the previous hook's result.",
        solution=_rerun_stacking,
        mistakes=[Mistake("the result of a single hook: re-running the cell does not replace the hook, it adds one",
                          lambda e: e / 4),
                  Mistake("the hooks' effects added up instead of applied one after another", lambda e: e * 3 / 4),
                  Mistake("the gradient with no hook at all", lambda e: e / 8)],
        wrong_examples=[lambda: 6.0, lambda: 18.0, lambda: 3.0, lambda: 48.0],
    ),
    RecordExercise(
        id="hooks.hook_order",
        title="what a tensor hook and a post-accumulate hook see over two backward passes",
        hint="The two hooks do not see the same thing: one runs before the incoming gradient is added to .grad, "
             "the other after, and .grad is not zeroed between the two passes. Ask, for each pass, what each "
             "hook receives.",
        solution=_hook_order,
        mistakes=[Mistake("the two hooks mixed up: register_hook sees each pass's incoming gradient, the "
                          "post-accumulate hook sees the running total in .grad", _mixed_up)],
        wrong_examples=[lambda: {"tensor_hook": [3.0, 6.0], "post_accumulate": [3.0, 6.0]},
                        lambda: {"tensor_hook": [3.0, 3.0], "post_accumulate": [3.0, 3.0]},
                        lambda: {"tensor_hook": [3.0, 6.0], "post_accumulate": [3.0, 3.0]},
                        lambda: [3.0, 3.0, 3.0, 6.0]],
    ),
    PropertyExercise(
        id="hooks.capture_activations",
        title="capture every Tanh output with forward hooks, then remove them",
        hint="register_forward_hook returns a handle; a hook left registered runs on every later forward pass "
             "(and stacks with the next call's). Collect the handles and call remove() on each before returning.",
        solution=_fn(_capture_tanh_outputs),
        judge=_judge_capture,
        kind="a function capture_tanh_outputs(model, x) -> list of tensors",
        wrong_examples=[_fn(_capture_leaves_hooks), _fn(_capture_inputs), _fn(_capture_every_layer),
                        lambda: [torch.zeros(6, 5), torch.zeros(6, 4)]],
    ),
)
