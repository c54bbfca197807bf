"""The one tolerance rule of every numeric comparison in the checks.

An exercise states how close is close enough (``rtol``, ``atol``); an answer computed in a
lower-precision dtype is allowed a few steps of its own precision on top, so a ``float16``
tensor holding the right value passes where a ``float64`` one off by the same amount would not.
Shapes must match exactly here; the rule about size-1 axes lives in the exercise kinds.

>>> import numpy as np
>>> close(np.array([1.0]), np.array([1.0 + 1e-7]))
True
>>> close(np.array([]), np.array(2.0))   # an empty answer is never "close" to a number
False
"""
from __future__ import annotations

import numpy as np

from course_utils.checks.answers import DOUBLE_EPS

RTOL, ATOL = 1e-4, 1e-6   # the default for exercises: four significant digits
ULPS = 8                  # how many steps of the answer's own precision are forgiven


def tolerances(rtol: float = RTOL, atol: float = ATOL, eps: float = DOUBLE_EPS) -> tuple[float, float]:
    """``(rtol, atol)`` widened to the precision ``eps`` of the answer's dtype.

    >>> tolerances(1e-4, 1e-6, eps=2**-10)[0] > 1e-3
    True
    """
    slack = ULPS * eps
    return max(rtol, slack), max(atol, slack)


def close(given: np.ndarray, expected: np.ndarray, rtol: float = RTOL, atol: float = ATOL,
          eps: float = DOUBLE_EPS) -> bool:
    """Same shape and every number within tolerance (``given`` may come in a less precise dtype)."""
    given, expected = np.asarray(given, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    if given.shape != expected.shape:
        return False
    r, a = tolerances(rtol, atol, eps)
    return bool(np.allclose(given, expected, rtol=r, atol=a))


def close_tensors(given, expected, rtol: float = RTOL, atol: float = ATOL) -> bool:
    """:func:`close` for two tensors (the learner's first), read safely through the answer rules.

    >>> import torch
    >>> close_tensors(torch.ones(2, dtype=torch.float16), torch.ones(2, dtype=torch.float64))
    True
    """
    from course_utils.checks.answers import BadAnswer, read_numbers

    try:
        answer = read_numbers(given)
    except BadAnswer:
        return False
    return close(answer.values, read_numbers(expected).values, rtol, atol, answer.eps)
