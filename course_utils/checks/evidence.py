"""Evidence of the way of working, for the checks where a value cannot tell.

Where an exercise teaches *how* (tracking off, an update in place, one backward per micro-batch,
hooks that are removed), a right number can come from wrong work: a loss recorded with a graph and
then detached has the value of one computed without. A judge then looks at the work itself, with
torch's own machinery:

| tool | what it sees | chapters |
|---|---|---|
| :class:`TorchCalls` | each torch call: results autograd recorded, ``.data``, the largest tensor | 05 07 10 11 |
| :func:`calls_to` | calls of Python helpers a function mode cannot see (``functional.hvp``) | 10 11 |
| :func:`gradients_arriving` | each gradient a backward pass delivers to some tensors | 08 15 |
| :func:`forward_seen` | what modules saw on each forward pass (their mode, their input) | 05 12 15 |
| :func:`facts` | what autograd knows of a tensor now: leaf, grad_fn, version, storage, .grad | 05 06 08 09 12 |
| :func:`attempt` | the learner's error, kept where the error itself names the mistake | 02 07 08 10 13 |

Every tool removes what it registered, even when the code it watches fails. None of them imports
``torch._dynamo``: :class:`TorchCalls` is a ``TorchFunctionMode``, not a ``TorchDispatchMode``, whose
first use costs seconds per chapter.
"""
from __future__ import annotations

import importlib
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, NoReturn

import torch
from torch.overrides import TorchFunctionMode

from course_utils.checks.answers import plain_tensor
from course_utils.checks.kinds import LearnerCodeFailed, call_learner

_DATA = torch.Tensor.data      # the descriptor behind tensor.data, read or assigned, on every torch version
_BASE: Any = torch._C.TensorBase  # its C descriptors: a subclass's properties cannot fake what they read


def tensors_in(value: Any) -> list[torch.Tensor]:
    """The tensors in ``value``: itself, or the items of (nested) tuples and lists.

    >>> len(tensors_in((torch.ones(1), [torch.ones(2), 3])))
    2
    """
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, (list, tuple)):
        return [t for item in value for t in tensors_in(item)]
    return []


class TorchCalls(TorchFunctionMode):
    """Inside ``with TorchCalls() as calls:``, every torch function the code calls is seen.

    A value cannot show how it was made; the calls can: ``calls.recorded`` names the calls whose
    result autograd recorded (it has a ``grad_fn``), ``calls.used_data`` says whether ``.data`` was
    read or set, ``calls.largest`` is the most numbers any call returned (a whole Hessian shows),
    and ``calls.called(torch.Tensor.backward)`` whether a function was called at all.

    >>> x = torch.ones(2, requires_grad=True)
    >>> with TorchCalls() as calls:
    ...     y = (x * 2).detach()
    >>> calls.recorded, calls.used_data, calls.largest, calls.called(torch.Tensor.backward)
    (['mul'], False, 2, False)
    """

    def __init__(self) -> None:
        super().__init__()
        self.functions: set[Any] = set()
        self.recorded: list[str] = []
        self.used_data = False
        self.largest = 0

    def called(self, *functions: Any) -> bool:
        """True if the code called any of ``functions`` (``torch.autograd.grad``, ``torch.Tensor.backward``)."""
        return any(function in self.functions for function in functions)

    def __torch_function__(self, func, types, args=(), kwargs=None):  # type: ignore[no-untyped-def]
        if getattr(func, "__self__", None) is _DATA:
            self.used_data = True
        result = func(*args, **(kwargs or {}))
        self.functions.add(func)
        with torch._C.DisableTorchFunctionSubclass():
            made = tensors_in(result)
            if any(_BASE.grad_fn.__get__(t) is not None for t in made):
                self.recorded.append(getattr(func, "__name__", "an operation"))
            self.largest = max([self.largest, *(torch.Tensor.numel(t) for t in made)])
        return result


@contextmanager
def calls_to(*names: str) -> Iterator[list[str]]:
    """Notes each call of the Python functions ``names`` ("module.function") while the body runs.

    For ready-made helpers that a :class:`TorchCalls` cannot tell from the learner's own calls; the
    originals are put back afterwards.

    >>> with calls_to("torch.autograd.functional.hvp") as used:
    ...     _ = torch.autograd.functional.hvp(lambda x: (x ** 3).sum(), torch.ones(2), torch.ones(2))
    >>> used
    ['torch.autograd.functional.hvp']
    """
    used: list[str] = []
    saved = []
    for name in names:
        module = importlib.import_module(name.rpartition(".")[0])
        original = getattr(module, name.rpartition(".")[2])

        def noting(*args: Any, _original: Any = original, _name: str = name, **kwargs: Any) -> Any:
            used.append(_name)
            return _original(*args, **kwargs)

        saved.append((module, name.rpartition(".")[2], original))
        setattr(module, name.rpartition(".")[2], noting)
    try:
        yield used
    finally:
        for module, attribute, original in saved:
            setattr(module, attribute, original)


@contextmanager
def gradients_arriving(tensors: Iterable[torch.Tensor]) -> Iterator[list[torch.Tensor]]:
    """Every gradient that a backward pass delivers to one of ``tensors`` while the body runs, in order.

    One entry per backward pass that reaches a tensor (a tensor hook on each): the check can count
    the passes, and see whether gradients were computed at all.

    >>> w = torch.ones(2, requires_grad=True)
    >>> with gradients_arriving([w]) as arrived:
    ...     (3 * w).sum().backward()
    ...     (w * w).sum().backward()
    >>> [g.tolist() for g in arrived]
    [[3.0, 3.0], [2.0, 2.0]]
    """
    arrived: list[torch.Tensor] = []
    handles = [t.register_hook(lambda grad: arrived.append(grad.detach().clone())) for t in tensors]
    try:
        yield arrived
    finally:
        for handle in handles:
            handle.remove()


@contextmanager
def forward_seen(modules: Iterable[torch.nn.Module],
                 note: Callable[[torch.nn.Module, tuple, Any], Any]) -> Iterator[list[Any]]:
    """What ``note(module, inputs, output)`` says of each forward pass of ``modules`` while the body runs.

    In the order the passes ran (forward hooks); a note of None is not kept. The check sees what a
    model saw: the size of each micro-batch, a Dropout that ran in training mode.

    >>> layer = torch.nn.Linear(3, 1)
    >>> with forward_seen([layer], lambda module, inputs, output: len(inputs[0])) as sizes:
    ...     _ = layer(torch.ones(4, 3)), layer(torch.ones(2, 3))
    >>> sizes
    [4, 2]
    """
    notes: list[Any] = []

    def hook(module: torch.nn.Module, inputs: tuple, output: Any) -> None:
        said = note(module, inputs, output)
        if said is not None:
            notes.append(said)

    handles = [module.register_forward_hook(hook) for module in modules]
    try:
        yield notes
    finally:
        for handle in handles:
            handle.remove()


@dataclass(frozen=True)
class Facts:
    """What autograd knows about one tensor at one moment (see :func:`facts`)."""

    tensor: torch.Tensor         # the very object: ``before.tensor is model.w`` shows a replaced parameter
    shape: tuple[int, ...]
    dtype: torch.dtype
    is_leaf: bool
    requires_grad: bool
    recorded: bool               # it has a grad_fn: autograd recorded the operation that made it
    retains_grad: bool           # a non-leaf asked to keep its gradient (retain_grad())
    version: int                 # the version counter: how many in-place changes autograd saw
    address: int                 # data_ptr(): tensors that share memory share it
    values: torch.Tensor         # a plain, detached copy of its numbers
    grad: torch.Tensor | None    # a copy of its .grad (None where there is none)


def facts(tensor: torch.Tensor) -> Facts:
    """What autograd knows about ``tensor`` now, read so that a tensor subclass cannot fake it.

    Taken before and after a learner's update, two :class:`Facts` show what values alone cannot:
    a version counter that did not move (the update went through ``.data``), a tensor that is no
    longer a leaf (``W = W - lr * W.grad``), a ``.grad`` the update changed.

    >>> w = torch.zeros(2, requires_grad=True)
    >>> before = facts(w)
    >>> with torch.no_grad():
    ...     w -= 1.0
    >>> after = facts(w)
    >>> after.version - before.version, after.is_leaf, after.values.tolist(), before.values.tolist()
    (1, True, [-1.0, -1.0], [0.0, 0.0])
    """
    plain = plain_tensor(tensor)
    with torch._C.DisableTorchFunctionSubclass():
        is_leaf = bool(_BASE.is_leaf.__get__(tensor))
        retains = bool(_BASE.retains_grad.__get__(tensor)) and not is_leaf
        grad = _BASE.grad.__get__(tensor) if is_leaf or retains else None  # a non-leaf's .grad only warns
        try:
            address = int(torch.Tensor.data_ptr(plain))
        except RuntimeError:  # a tensor without storage (sparse)
            address = -1
        return Facts(tensor, tuple(torch.Tensor.size(plain)), plain.dtype, is_leaf,
                     bool(_BASE.requires_grad.__get__(tensor)), _BASE.grad_fn.__get__(tensor) is not None, retains,
                     int(_BASE._version.__get__(tensor)), address, plain.detach().clone(),
                     None if grad is None else plain_tensor(grad).detach().clone())


@dataclass(frozen=True)
class Raised:
    """The error a learner's code raised, kept as evidence: where the error names a mistake, the judge names it."""

    error: Exception

    def says(self, *phrases: str) -> bool:
        """True when the error's message contains one of ``phrases``."""
        text = str(self.error)
        return any(phrase in text for phrase in phrases)

    def reraise(self) -> NoReturn:
        """The error names no mistake: report it as the learner's own ("your code raised ...")."""
        raise LearnerCodeFailed(self.error)


def attempt(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``function(*args, **kwargs)`` for the learner's function, or :class:`Raised` if it raised.

    Torch's refusals are evidence too: "a leaf Variable that requires grad is being used in an
    in-place operation" is the update that ran with tracking on.

    >>> attempt(lambda: 1 / 0).says("division by zero"), attempt(lambda: 2)
    (True, 2)
    """
    try:
        return call_learner(function, *args, **kwargs)
    except LearnerCodeFailed as exc:
        return Raised(exc.original)
