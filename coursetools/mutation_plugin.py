"""A pytest plugin for ``./course mutate``: code that runs at import sees the mutant too.

The exercise modules build their cases, judges and wrong-answer examples when they are imported
(``cases=[_validation_case(), ...]``). mutmut switches a mutant on only after the tests were
imported (its workers are forks of a process that has run them all once), so a mutant of such a
builder would never run, and would "survive" every test. With this plugin, each mutant's test run
begins by importing the mutated exercise module again (for a mutant of ``course_utils/checks/``,
every exercise module, as they all build their exercises from the check kinds), and then every
exercise module that imports from it (chapter 11 builds its judge with chapter 10's ``hvp_judge``).
What the learner would get from the mutated code is then what the tests see.

It does nothing outside a mutant's run (``MUTANT_UNDER_TEST`` names no mutant), so it is safe to
load anywhere::

    python -m pytest -p coursetools.mutation_plugin tests/chapters/test_05_switching_tracking_off.py
"""
from __future__ import annotations

import importlib
import os
import re
import sys
from pathlib import Path
from typing import Any

EXERCISES = "course_utils.exercises."
_IMPORT = re.compile(r"^\s*from course_utils\.exercises\.(\w+) import", re.M)


def importers(folder: Path) -> dict[str, list[str]]:
    """For each chapter module in ``folder``, the chapter modules that import from it (read from their source).

    What such a module builds at import with the other's code (a judge, a case) must be built again
    under a mutant of that code, and tried on its own chapter's tests too.

    >>> importers(Path(__file__).parent.parent / "course_utils" / "exercises")["higher_order_derivatives"]
    ['jacobians_hessians_per_sample']
    """
    found: dict[str, list[str]] = {}
    for source in sorted(folder.glob("*.py")):
        for used in sorted(set(_IMPORT.findall(source.read_text(encoding="utf-8")))):
            if used != source.stem:
                found.setdefault(used, []).append(source.stem)
    return found


def mutated_module(mutant: str) -> str | None:
    """The module a mutmut mutant's name lives in, or None when the name is no mutant.

    >>> mutated_module("course_utils.exercises.hooks.x__flat_case__mutmut_15")
    'course_utils.exercises.hooks'
    >>> mutated_module("course_utils.checks.kinds.xǁChoiceExerciseǁread__mutmut_2")
    'course_utils.checks.kinds'
    >>> mutated_module("stats") is None
    True
    """
    if "__mutmut_" not in mutant or "." not in mutant:
        return None
    return mutant.rsplit(".", 1)[0]


def modules_to_import_again(mutant: str, loaded: list[str], users: dict[str, list[str]] | None = None) -> list[str]:
    """Which of the ``loaded`` exercise modules build something from the mutated code, in the order to import them.

    ``users`` is :func:`importers` of the exercise modules (read from the mutated module's folder when
    not given): a module that imports from the mutated one comes after it.

    >>> modules_to_import_again("course_utils.exercises.hooks.x_f__mutmut_1",
    ...                         ["course_utils.exercises.hooks", "course_utils.exercises.first_gradients"])
    ['course_utils.exercises.hooks']
    >>> modules_to_import_again("course_utils.exercises.higher_order_derivatives.x_hvp_judge__mutmut_1",
    ...     ["course_utils.exercises.higher_order_derivatives", "course_utils.exercises.jacobians_hessians_per_sample"])
    ['course_utils.exercises.higher_order_derivatives', 'course_utils.exercises.jacobians_hessians_per_sample']
    >>> modules_to_import_again("course_utils.checks.kinds.x_wrong__mutmut_3", ["course_utils.exercises.hooks"])
    ['course_utils.exercises.hooks']
    """
    module = mutated_module(mutant)
    if module is None:
        return []
    if module.startswith(EXERCISES):
        if module not in loaded:
            return []
        if users is None:
            users = importers(Path(sys.modules[module].__file__ or "").parent)
        after = [EXERCISES + user for user in users.get(module[len(EXERCISES):], [])]
        return [module] + [name for name in after if name in loaded]
    if module.startswith("course_utils.checks"):
        return sorted(loaded)
    return []


def import_again(module_name: str) -> None:
    """Run an exercise module's code again, its old registrations removed first."""
    from course_utils.checks import registry

    slug = module_name[len(EXERCISES):]
    for exercise_id in [k for k in registry.EXERCISES if k.startswith(slug + ".")]:
        del registry.EXERCISES[exercise_id]
    importlib.reload(sys.modules[module_name])


def pytest_sessionstart(session: Any) -> None:
    loaded = [name for name in sys.modules if name.startswith(EXERCISES) and name.count(".") == 2]
    for name in modules_to_import_again(os.environ.get("MUTANT_UNDER_TEST", ""), loaded):
        import_again(name)
