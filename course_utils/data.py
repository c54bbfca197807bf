"""Loading the course's data files, checked against their recorded checksums.

The files ship with the course (``data/`` in the repository, and inside the
installed package for Colab), so nothing is downloaded at run time and the
numbers a chapter prints cannot drift with a library's random generator.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import NamedTuple

import numpy as np


class DataError(RuntimeError):
    """A data file is missing or differs from the one the course was written for."""


class Regression(NamedTuple):
    """The regression data of chapter 07: ``X`` (n, 1), ``y`` (n,), the true ``coef`` and ``bias``."""

    X: np.ndarray
    y: np.ndarray
    coef: np.ndarray
    bias: float


def data_dir() -> Path:
    """The folder holding the data files: the checkout's ``data/`` or the installed copy."""
    here = Path(__file__).resolve().parent
    checkout = here.parent / "data"
    if (checkout / "manifest.json").is_file():
        return checkout
    return here / "datasets"  # where pyproject.toml installs data/ (a Colab install, a wheel)


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
                        f"(git checkout -- data/{name})")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != manifest[name]["sha256"]:
        raise DataError(f"the data file {path} has been altered: its SHA-256 is {digest}, expected "
                        f"{manifest[name]['sha256']}; restore it with git checkout -- data/{name}")
    return path


def _manifest() -> dict:
    path = data_dir() / "manifest.json"
    if not path.is_file():
        raise DataError(f"the data manifest {path} is missing; is the course installed completely?")
    return json.loads(path.read_text())


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
    info = _manifest()[name]
    return Regression(X=table[:, :1].copy(), y=table[:, 1].copy(),
                      coef=np.array(info["coef"]), bias=float(info["bias"]))
