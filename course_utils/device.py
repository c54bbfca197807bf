"""Choosing where tensors live: CUDA, then Apple's MPS, then the CPU.

Every chapter calls :func:`get_device` once and moves tensors with ``.to(device)``,
so the same notebook runs on a laptop, on Colab's GPU and in CI.
"""
from __future__ import annotations

import os

import torch

DEVICE_ENV_VAR = "COURSE_DEVICE"
_KNOWN = ("cpu", "cuda", "mps")


def _available(kind: str) -> bool:
    if kind == "cpu":
        return True
    if kind == "cuda":
        return torch.cuda.is_available()
    mps = getattr(torch.backends, "mps", None)
    return bool(mps is not None and mps.is_available())


def get_device(prefer: str | None = None) -> torch.device:
    """Return the best device available, or the one asked for.

    The choice, in order: ``prefer`` if given, else the ``COURSE_DEVICE``
    environment variable, else CUDA, then MPS, then CPU. Asking for a device that
    is not present is an error rather than a silent fallback, so that a learner who
    wants the GPU finds out at once.

    >>> get_device("cpu")
    device(type='cpu')
    """
    wanted = prefer if prefer is not None else os.environ.get(DEVICE_ENV_VAR, "").strip()
    if wanted:
        if not isinstance(wanted, str):
            raise TypeError(f"get_device expected a device name such as 'cpu' or 'cuda', got {type(wanted).__name__}")
        kind = wanted.lower().split(":")[0]
        if kind not in _KNOWN:
            source = "get_device(prefer=...)" if prefer is not None else f"${DEVICE_ENV_VAR}"
            raise ValueError(f"{source} is {wanted!r}; expected one of {', '.join(_KNOWN)} (optionally 'cuda:N')")
        if not _available(kind):
            raise RuntimeError(f"device {wanted!r} was asked for but is not available on this machine; "
                               f"unset {DEVICE_ENV_VAR} or choose 'cpu'")
        return torch.device(wanted.lower())
    for kind in ("cuda", "mps"):
        if _available(kind):
            return torch.device(kind)
    return torch.device("cpu")
