"""environment.yml (conda, Binder) must list what a learner's `./course lab` installs, from conda-forge alone.

That is pyproject.toml's dependencies and its `lab` extra, nothing more: the maintainers' tools
(tests, website) come with `./course test` and `./course site`.
"""
from __future__ import annotations

import re
import tomllib

import yaml

from tests.conftest import ROOT

# pip names that conda-forge spells differently
CONDA_NAME = {"torch": "pytorch", "matplotlib": "matplotlib-base"}
# tools the conda route adds on purpose, beyond the project's own requirements
CONDA_EXTRAS = {"python", "pip"}
# not on conda-forge: environment.yml would install these in its pip section (none of the learner's set)
PIP_ONLY: set[str] = set()
# the extra that, with the dependencies, makes the learner's set
LEARNER_EXTRA = "lab"


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[ ;]", requirement.strip(), maxsplit=1)[0].lower()


def _minimum(requirement: str) -> str | None:
    match = re.search(r">=\s*([\w.]+)", requirement)
    return match.group(1) if match else None


def load():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return env, project


def test_conda_forge_only() -> None:
    env, _ = load()
    assert env["channels"] == ["conda-forge"]


def test_packages_agree_with_pyproject() -> None:
    env, project = load()
    conda = {_name(d): d for d in env["dependencies"] if isinstance(d, str)}
    pip_lines = next((d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d), [])
    pip = {_name(line): line for line in pip_lines if not line.startswith("-")}
    assert set(pip) == PIP_ONLY, f"the pip section should hold exactly {sorted(PIP_ONLY)}, not {sorted(pip)}"
    conda.update(pip)
    requirements = project["dependencies"] + project["optional-dependencies"][LEARNER_EXTRA]
    wanted = {CONDA_NAME.get(_name(r), _name(r)): r for r in requirements}
    missing = sorted(set(wanted) - set(conda))
    extra = sorted(set(conda) - set(wanted) - CONDA_EXTRAS)
    assert not missing, f"environment.yml lacks {missing} (listed in pyproject.toml)"
    assert not extra, f"environment.yml lists {extra}, which pyproject.toml does not"
    for name, requirement in wanted.items():
        assert _minimum(conda[name]) == _minimum(requirement), f"{name}: minimum versions differ"


def test_installs_the_project_itself_with_pip() -> None:
    env, _ = load()
    pip_sections = [d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d]
    assert pip_sections and any(line.endswith("-e .") or line.endswith(" .") for line in pip_sections[0])


def test_python_floor_matches() -> None:
    env, project = load()
    python = next(d for d in env["dependencies"] if isinstance(d, str) and _name(d) == "python")
    assert _minimum(python) == project["requires-python"].lstrip(">=")


def test_learner_extra_holds_only_what_a_learner_runs() -> None:
    """The `lab` extra is JupyterLab and its kernel; the test and website tools are in the other extras."""
    _, project = load()
    extras = project["optional-dependencies"]
    lab = {_name(r) for r in extras[LEARNER_EXTRA]}
    assert {"jupyterlab", "ipykernel"} <= lab
    maintainer_tools = {"pytest", "nbval", "playwright", "sphinx", "myst-nb"}
    assert not lab & maintainer_tools, f"the learner's extra pulls maintainer tools: {sorted(lab & maintainer_tools)}"
    assert maintainer_tools <= {_name(r) for name in ("test", "site") for r in extras[name]}
    assert extras["dev"] == ["course-utils[lab,test,site,mutation]"], "dev must be every extra together"
