"""Turning whatever a learner passes to ``check`` into a NumPy array, or a clear complaint.

Learners pass numbers, lists, arrays and tensors (on any device, with or without
``requires_grad``). Everything else, and every malformed value, becomes a
:class:`BadAnswer` whose text says what was given, so that ``check`` never fails
with a ``TypeError`` from deep inside NumPy.
"""
from __future__ import annotations

from typing import Any

import numpy as np


class BadAnswer(ValueError):
    """The answer could not be read as the kind of value the exercise wants."""


def describe(value: Any) -> str:
    """A short, human description of a value: its kind, shape and dtype.

    >>> describe([1, 2])
    'a list of length 2'
    """
    try:
        import torch
        if isinstance(value, torch.Tensor):
            extra = ", requires_grad=True" if value.requires_grad else ""
            return f"a tensor of shape {tuple(value.shape)} and dtype {value.dtype} on {value.device}{extra}"
    except ImportError:  # pragma: no cover - torch is a dependency
        pass
    if value is None:
        return "None (nothing: did the cell assign the variable, or does a function forget to return?)"
    if value is Ellipsis:
        return "the placeholder `...` (replace it with your code)"
    if isinstance(value, bool):
        return f"the bool {value}"
    if isinstance(value, (int, float, np.number)):
        return f"the number {value}"
    if isinstance(value, (str, bytes)):
        text = value if len(value) < 40 else value[:37] + "..."
        return f"the string {text!r}"
    if isinstance(value, np.ndarray):
        return f"a NumPy array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of length {len(value)}"
    if isinstance(value, dict):
        return f"a dict with keys {sorted(map(str, value))}"
    if callable(value):
        return f"the function {getattr(value, '__name__', repr(value))}"
    return f"a {type(value).__name__}"


def _plain(value: Any) -> Any:
    """Replace tensors (anywhere inside lists and tuples) by NumPy arrays."""
    import torch

    if isinstance(value, torch.Tensor):
        if value.is_complex():
            raise BadAnswer(f"{describe(value)}: complex numbers are not expected here")
        return value.detach().to("cpu").double().numpy()
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def as_array(value: Any) -> np.ndarray:
    """Read a numeric answer as a float64 array, or raise :class:`BadAnswer`.

    >>> as_array([[1, 2], [3, 4]]).shape
    (2, 2)
    """
    if value is None or value is Ellipsis or isinstance(value, (str, bytes, dict, set, bool)) or callable(value):
        raise BadAnswer(describe(value))
    if isinstance(value, (list, tuple)) and _contains_placeholder(value):
        raise BadAnswer(f"{describe(value)} that still holds None or `...`")
    try:
        array = np.asarray(_plain(value))
    except BadAnswer:
        raise
    except (ValueError, TypeError, RuntimeError) as exc:
        raise BadAnswer(f"{describe(value)} that cannot be read as numbers "
                        f"(nested lists of different lengths?): {exc}") from None
    if array.dtype.kind == "b" or array.dtype.kind not in "iuf":
        raise BadAnswer(f"{describe(value)} holding {array.dtype} values, not numbers")
    array = array.astype(np.float64)
    if not np.all(np.isfinite(array)):
        raise BadAnswer(f"{describe(value)} containing NaN or infinity "
                        "(a diverging update, or a division by zero?)")
    return array


def _contains_placeholder(value: Any) -> bool:
    if value is None or value is Ellipsis:
        return True
    if isinstance(value, (list, tuple)):
        return any(_contains_placeholder(item) for item in value)
    return False


def shape_text(shape: tuple[int, ...]) -> str:
    """How the checks talk about a shape: "a single number" or "shape (3, 1)".

    >>> shape_text(())
    'a single number'
    """
    return "a single number" if shape == () else f"shape {tuple(shape)}"
