"""Reading plot inputs (tensors, arrays, lists) as 1-D NumPy arrays, with clear errors."""
from __future__ import annotations

from typing import Any

import numpy as np


def as_column(values: Any, name: str, length: int | None = None) -> np.ndarray:
    """``values`` as a flat float array: shapes (n,), (n, 1) and (1, n) are accepted.

    >>> as_column([[1.0], [2.0]], "X").tolist()
    [1.0, 2.0]
    """
    try:
        import torch

        if isinstance(values, torch.Tensor):
            values = values.detach().to("cpu").double().numpy()
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be numbers (a tensor, an array or a list), got "
                        f"{type(values).__name__}: {exc}") from None
    if array.ndim == 2 and 1 in array.shape:
        array = array.reshape(-1)
    if array.ndim != 1:
        raise ValueError(f"{name} must have shape (n,) or (n, 1) to be drawn against one input; "
                         f"got shape {array.shape}")
    if length is not None and array.shape[0] != length:
        raise ValueError(f"{name} has {array.shape[0]} values but X has {length}")
    return array
