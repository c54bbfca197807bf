"""The examples in the helpers' docstrings run and print what they claim."""
from __future__ import annotations

import doctest
import importlib
import pkgutil

import matplotlib
import pytest

import course_utils
import coursetools

matplotlib.use("Agg")

MODULES = sorted(
    info.name
    for package in (course_utils, coursetools)
    for info in pkgutil.walk_packages(package.__path__, prefix=package.__name__ + ".")
    if not info.name.endswith("__main__")
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"
