"""Loading the course's data files, checked against their recorded checksums.

The files ship with the course (``data/`` in the repository, and inside the
installed package for Colab), so nothing is downloaded at run time and the
numbers a chapter prints cannot drift with a library's random generator.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np


class DataError(RuntimeError):
    """A data file is missing or differs from the one the course was written for."""


class Regression(NamedTuple):
    """The regression data of chapter 07: ``X`` (n, 1), ``y`` (n,), the true ``coef`` and ``bias``."""

    X: np.ndarray
    y: np.ndarray
    coef: np.ndarray
    bias: float


def _candidates() -> list[Path]:
    here = Path(__file__).resolve().parent
    return [here.parent / "data", here / "datasets"]  # the checkout's data/, then the installed copy


def data_dir() -> Path:
    """The folder holding the data files: the checkout's ``data/`` or the installed copy (a Colab install, a wheel)."""
    for folder in _candidates():
        if (folder / "manifest.json").is_file():
            return folder
    return _candidates()[0]


def content_digest(raw: bytes) -> str:
    """SHA-256 of a text file's content with line endings normalised (a Windows checkout's CRLF is the same file).

    >>> content_digest(b"x,y\\r\\n1,2\\r\\n") == content_digest(b"x,y\\n1,2\\n")
    True
    """
    return hashlib.sha256(raw.replace(b"\r\n", b"\n")).hexdigest()


def data_path(name: str) -> Path:
    """Path of a data file listed in ``manifest.json``, after verifying its checksum.

    >>> data_path("regression_1500.csv").name
    'regression_1500.csv'
    """
    manifest = _manifest()
    if name not in manifest:
        raise DataError(f"no data file {name!r} in the course; expected one of {sorted(manifest)}")
    path = data_dir() / name
    if not path.is_file():
        raise DataError(f"the data file {path} is missing; restore it from the repository "
                        f"(git checkout -- data/{name}), or reinstall the course helpers")
    expected = _entry(manifest, name, "sha256")
    digest = content_digest(path.read_bytes())
    if digest != expected:
        raise DataError(f"the data file {path} differs from the one the course was written for (SHA-256 of its "
                        f"content {digest[:12]}..., expected {str(expected)[:12]}...), so its numbers would not "
                        f"match the chapters. Restore it: git checkout -- data/{name} in a checkout, or reinstall "
                        "the course helpers (pip install --force-reinstall course-utils).")
    return path


def _entry(manifest: dict, name: str, key: str) -> Any:
    entry = manifest[name]
    if not isinstance(entry, dict) or key not in entry:
        raise DataError(f"the data manifest {data_dir() / 'manifest.json'} has no {key!r} for {name!r}; "
                        "restore manifest.json from the repository")
    return entry[key]


def _manifest() -> dict:
    path = data_dir() / "manifest.json"
    if not path.is_file():
        tried = " or ".join(str(folder / "manifest.json") for folder in _candidates())
        raise DataError(f"the data manifest is missing (looked for {tried}); is the course installed completely?")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataError(f"the data manifest {path} is not valid JSON ({exc}); restore it from the repository "
                        "(git checkout -- data/manifest.json)") from None
    if not isinstance(manifest, dict):
        raise DataError(f"the data manifest {path} should map file names to their records")
    return manifest


def load_regression() -> Regression:
    """The 1500-point regression set of seed 000, exactly as scikit-learn made it (float64).

    ``X`` has shape (1500, 1) and ``y`` shape (1500,), as ``make_regression`` returns
    them, so chapter 07 can show the shape and dtype traps they cause.

    >>> data = load_regression()
    >>> data.X.shape, data.y.shape, round(float(data.coef), 4)
    ((1500, 1), (1500,), 0.4787)
    """
    name = "regression_1500.csv"
    table = np.loadtxt(data_path(name), delimiter=",", skiprows=1, dtype=np.float64)
    manifest = _manifest()
    return Regression(X=table[:, :1].copy(), y=table[:, 1].copy(),
                      coef=np.array(_entry(manifest, name, "coef")), bias=float(_entry(manifest, name, "bias")))
