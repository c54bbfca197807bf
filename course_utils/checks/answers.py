"""Reading whatever a learner passes to ``check`` as plain numbers, or a clear complaint.

The rule for numeric answers (documented in CONTRIBUTING): a Python, NumPy or torch number,
``Fraction`` or ``Decimal``, a list or tuple of them, an array or a tensor of any float or
integer dtype, on any device, with or without ``requires_grad``. The checks compare the
numbers; :mod:`course_utils.checks.tolerance` widens the tolerance to the precision of the
answer's own dtype (a ``float16`` answer is judged to ``float16`` accuracy).

The answer is never trusted: its type and size are looked at before its values (a
1e8-element tensor is refused before anything is converted), tensor subclasses are read
as plain tensors with their ``__torch_function__`` switched off, and nothing calls the
answer's own ``__eq__``. Anything that cannot be read becomes a :class:`BadAnswer`
whose text says what was given.
"""
from __future__ import annotations

import decimal
import fractions
from dataclasses import dataclass
from typing import Any

import numpy as np

MAX_ELEMENTS = 100_000  # no exercise asks for more numbers than this; a larger answer is refused unread
DOUBLE_EPS = float(np.finfo(np.float64).eps)


class BadAnswer(ValueError):
    """The answer could not be read as the kind of value the exercise wants."""


@dataclass(frozen=True)
class Numbers:
    """An answer read as numbers: ``values`` (float64) and ``eps``, the precision of the dtype it came in."""

    values: np.ndarray
    eps: float = DOUBLE_EPS


def describe(value: Any) -> str:
    """A short, human description of a value: its kind, shape and dtype (never its full contents).

    >>> describe([1, 2])
    'a list of length 2'
    >>> describe(None)
    'None'
    """
    import torch

    if isinstance(value, torch.Tensor):
        with torch._C.DisableTorchFunctionSubclass():
            shape: Any
            dtype: Any
            try:
                shape, dtype, tracked = tuple(torch.Tensor.size(value)), value.dtype, bool(value.requires_grad)
            except Exception:  # a wrapper subclass without real metadata
                shape, dtype, tracked = "?", "?", False
        plain = type(value) in (torch.Tensor, torch.nn.Parameter)
        kind = "tensor" if plain else f"{type(value).__name__} (a tensor subclass)"
        return f"a {kind} of shape {shape} and dtype {dtype}{', requires_grad=True' if tracked else ''}"
    if value is None:
        return "None"
    if value is Ellipsis:
        return "the placeholder `...` (replace it with your code)"
    if isinstance(value, bool):
        return f"the bool {bool.__repr__(value)}"
    if isinstance(value, (int, float, np.number, fractions.Fraction, decimal.Decimal)):
        return f"the number {_number_text(value)}"
    if isinstance(value, (str, bytes)):
        text = str.__str__(value) if isinstance(value, str) else repr(bytes(value))
        return f"the string {text[:37] + '...' if len(text) > 40 else text!r}"
    if isinstance(value, np.ndarray):
        return f"a NumPy array of shape {np.asarray(value).shape} and dtype {value.dtype}"
    if isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of length {len(value)}"
    if isinstance(value, dict):
        keys = sorted(map(repr, list(dict.keys(value))[:8]))
        return f"a dict with keys [{', '.join(keys)}]"
    if isinstance(value, type):
        return f"the class {value.__name__}"
    if callable(value):
        return f"the function {getattr(value, '__name__', type(value).__name__)}"
    return f"a {type(value).__name__}"


def _number_text(value: Any) -> str:
    if isinstance(value, (fractions.Fraction, decimal.Decimal)):
        return str(value)
    try:
        return f"{float(np.float64(value)):g}" if not isinstance(value, (int, np.integer)) else str(int(value))
    except (TypeError, ValueError, OverflowError):
        return "?"


def plain_tensor(value: Any) -> Any:
    """``value`` as an ordinary ``torch.Tensor`` (a subclass is unwrapped with its overrides switched off).

    >>> import torch
    >>> type(plain_tensor(torch.nn.Parameter(torch.ones(2)))).__name__
    'Tensor'
    """
    import torch

    with torch._C.DisableTorchFunctionSubclass():
        try:
            plain = torch.Tensor.as_subclass(value, torch.Tensor)
        except Exception as exc:  # a wrapper subclass with no real storage
            raise BadAnswer(f"{describe(value)} that cannot be read as an ordinary tensor ({exc}); "
                            "pass a plain tensor") from None
    return plain


def _tensor_numbers(value: Any, budget: int) -> tuple[np.ndarray, float]:
    import torch

    tensor = plain_tensor(value)
    with torch._C.DisableTorchFunctionSubclass():
        count = torch.Tensor.numel(tensor)
        if count > budget:
            raise BadAnswer(f"{describe(value)}: {count} numbers, far more than this exercise asks for")
        if tensor.is_complex():
            raise BadAnswer(f"{describe(value)}: complex numbers are not expected here")
        if tensor.dtype == torch.bool:
            raise BadAnswer(f"{describe(value)} holding True/False values, not numbers")
        if tensor.layout != torch.strided:
            tensor = tensor.to_dense()
        eps = float(torch.finfo(tensor.dtype).eps) if tensor.is_floating_point() else DOUBLE_EPS
        try:
            array = tensor.detach().to("cpu", torch.float64).numpy().copy()
        except Exception as exc:  # meta tensors, tensors on a device that went away
            raise BadAnswer(f"{describe(value)} whose numbers cannot be read ({type(exc).__name__}: {exc})") from None
    return array, eps


def _scalar(value: Any) -> float | None:
    """A plain float for Python, NumPy, Fraction and Decimal numbers (base-class methods only); None otherwise."""
    if isinstance(value, (bool, np.bool_)):
        return None
    try:
        if isinstance(value, int):
            return float(int.__int__(value))
        if isinstance(value, float):
            return float.__float__(value)
        if isinstance(value, fractions.Fraction):
            return float(fractions.Fraction(value.numerator, value.denominator))
        if isinstance(value, decimal.Decimal):
            return float(decimal.Decimal.__str__(value))
        if isinstance(value, np.number) and not isinstance(value, np.complexfloating):
            return float(np.float64(value))
    except (OverflowError, ValueError, TypeError) as exc:
        raise BadAnswer(f"{describe(value)} that cannot be read as a float ({exc})") from None
    return None


def _read(value: Any, budget: list[int]) -> tuple[np.ndarray, float]:
    import torch

    if value is None or value is Ellipsis:
        raise BadAnswer(describe(value) if value is None else f"a value that still holds {describe(value)}")
    if isinstance(value, (bool, np.bool_)):
        raise BadAnswer(f"{describe(value)}, not a number")
    scalar = _scalar(value)
    if scalar is not None:
        budget[0] -= 1
        eps = float(np.finfo(value.dtype).eps) if isinstance(value, np.floating) else DOUBLE_EPS
        return np.asarray(scalar, dtype=np.float64), eps
    if isinstance(value, torch.Tensor):
        array, eps = _tensor_numbers(value, budget[0])
        budget[0] -= array.size
        return array, eps
    if isinstance(value, np.ndarray):
        array = np.asarray(value)  # a subclass becomes a plain ndarray view
        if array.size > budget[0]:
            raise BadAnswer(f"{describe(value)}: {array.size} numbers, far more than this exercise asks for")
        if array.dtype.kind not in "iuf":
            what = "True/False values" if array.dtype.kind == "b" else f"{array.dtype} values"
            raise BadAnswer(f"{describe(value)} holding {what}, not numbers")
        budget[0] -= array.size
        eps = float(np.finfo(array.dtype).eps) if array.dtype.kind == "f" else DOUBLE_EPS
        return array.astype(np.float64), eps
    if isinstance(value, (list, tuple)):
        items = list(list.__iter__(value) if isinstance(value, list) else tuple.__iter__(value))
        if len(items) > budget[0]:
            raise BadAnswer(f"{describe(value)}, far more numbers than this exercise asks for")
        parts = [_read(item, budget) for item in items]
        shapes = {part.shape for part, _ in parts}
        if len(shapes) > 1:
            raise BadAnswer(f"{describe(value)} whose items have different shapes {sorted(shapes, key=len)} "
                            "(nested lists of different lengths?)")
        eps = max((e for _, e in parts), default=DOUBLE_EPS)
        array = np.stack([part for part, _ in parts]) if parts else np.zeros((0,))
        return array, eps
    if isinstance(value, (str, bytes)):
        raise BadAnswer(f"{describe(value)}, not a number (write the number without quotes)")
    if isinstance(value, (set, frozenset, dict)):
        raise BadAnswer(f"{describe(value)}: numbers are expected in order, in a list or a tensor")
    if isinstance(value, type) or callable(value):
        raise BadAnswer(f"{describe(value)}: this exercise asks for numbers, not a function (call it?)")
    raise BadAnswer(f"{describe(value)}, which is not a number, a list of numbers, an array or a tensor")


def read_numbers(value: Any, max_elements: int = MAX_ELEMENTS) -> Numbers:
    """Read ``value`` as :class:`Numbers`, or raise :class:`BadAnswer` saying what it is.

    >>> read_numbers([[1, 2], [3, 4]]).values.shape
    (2, 2)
    >>> read_numbers(fractions.Fraction(1, 8)).values.item()
    0.125
    """
    try:
        array, eps = _read(value, [max_elements])
    except BadAnswer:
        raise
    except (MemoryError, RecursionError) as exc:
        raise BadAnswer(f"{describe(value)} that is too large or too deeply nested to read "
                        f"({type(exc).__name__})") from None
    if not np.all(np.isfinite(array)):
        raise BadAnswer(f"{describe(value)} containing NaN or infinity (a diverging update, or a division by zero?)")
    return Numbers(array, eps)


def as_array(value: Any, max_elements: int = MAX_ELEMENTS) -> np.ndarray:
    """Read a numeric answer as a float64 array, or raise :class:`BadAnswer`.

    >>> as_array([[1, 2], [3, 4]]).shape
    (2, 2)
    """
    return read_numbers(value, max_elements).values


def squeezed_shape(shape: tuple[int, ...]) -> tuple[int, ...]:
    """The shape without its size-1 axes: the equivalence rule for "the same numbers in any shape".

    >>> squeezed_shape((1, 3, 1))
    (3,)
    """
    return tuple(size for size in shape if size != 1)
