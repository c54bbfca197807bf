"""What Colab installs (a wheel built from the repository) carries the helpers and the data."""
from __future__ import annotations

import subprocess
import sys
import zipfile

from coursetools.notebooks import ROOT


def test_wheel_ships_helpers_exercises_and_data(tmp_path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(tmp_path), str(ROOT)],
                   check=True, capture_output=True, timeout=300)
    wheel = next(tmp_path.glob("course_utils-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in ("course_utils/__init__.py", "course_utils/checks/__init__.py",
                     "course_utils/exercises/first_gradients.py", "course_utils/datasets/manifest.json",
                     "course_utils/datasets/regression_1500.csv", "course_utils/plots/live.py"):
        assert expected in names, f"the wheel lacks {expected}"
    shipped_tools = sorted(n for n in names if n.startswith("coursetools/") or n.endswith("make_regression_data.py")
                           or n.startswith("course_utils/datasets/") and n.endswith(".py") and "__init__" not in n)
    assert shipped_tools == [], f"maintainer tools in the wheel, where nothing can use them: {shipped_tools}"


def _module_imports(path, everywhere: bool) -> set[str]:
    import ast

    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree) if everywhere else tree.body:
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_no_module_of_the_course_imports_itself_in_a_circle() -> None:
    """No import cycle at import time; and none at all among the maintainer tools, lazy imports included."""
    modules = {}
    for package in ("course_utils", "coursetools"):
        for path in (ROOT / package).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            imports = _module_imports(path, everywhere=package == "coursetools")
            modules[name] = {m for m in imports if m.split(".")[0] in ("course_utils", "coursetools") and m != name}

    def visit(name, trail):
        for target in modules.get(name, ()):
            if target in trail:
                raise AssertionError(f"import cycle: {' -> '.join([*trail[trail.index(target):], target])}")
            visit(target, [*trail, target])

    for name in modules:
        visit(name, [name])


def test_execute_with_no_notebooks_fails_loudly(monkeypatch, capsys) -> None:
    from coursetools import __main__ as cli
    from coursetools import notebooks

    monkeypatch.setattr(notebooks, "chapter_notebooks", lambda include_learner=False: [])
    assert cli.main(["execute"]) == 2
    assert "no chapter notebooks" in capsys.readouterr().err


def test_a_tool_whose_dependency_is_missing_says_so(monkeypatch, capsys) -> None:
    import importlib.util

    from coursetools import __main__ as cli

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "nbclient" else real(name, *a))
    assert cli.main(["execute"]) == 2
    assert "needs nbclient" in capsys.readouterr().err


def test_license_file_matches_the_declared_license() -> None:
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    assert 'license = "MIT"' in (ROOT / "pyproject.toml").read_text()


def test_one_version_for_the_package_the_setup_cell_and_the_changelog() -> None:
    from course_utils import __version__
    from coursetools.setup_cell import SETUP_CELL

    assert f"@v{__version__}\"" in SETUP_CELL, "the Colab setup cell must install this release's tag"
    assert f"## {__version__} " in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8"), "CHANGELOG lacks this version"
    import re

    assert not re.search(r'^version\s*=\s*"', (ROOT / "pyproject.toml").read_text(), re.M), \
        "pyproject.toml must not spell the version again (it reads course_utils._version)"
