"""``./course mutate``: how many deliberate bugs in the checks do the tests catch?

mutmut changes the code of ``course_utils/checks/`` and ``course_utils/exercises/`` one small edit
at a time (a ``<`` becomes ``<=``, a string changes, a return value goes) and runs the tests that
cover the changed function. A mutant the tests fail on is *killed*; one they pass on *survived*,
and is either a gap in the tests or a change that makes no difference. The run works in a copy of
the checkout (``.mutation/``, not committed), so the working tree is never touched, and writes
``benchmarks/mutation/REPORT.md`` (committed): the score, and every survivor with its diff and, from
``benchmarks/mutation/survivors.toml``, the reason it is harmless.

    ./course mutate                      # the whole run (tens of minutes on two cores)
    ./course mutate --paths course_utils/checks/tolerance.py   # one file, to try it
    ./course mutate --resume             # continue a run that was stopped (mutmut skips what it has done)
    ./course mutate --sample 0.25        # a random quarter of the mutants: an estimate, in a quarter of the time
    ./course mutate --recheck            # after writing tests for the survivors: run only those again

A recheck keeps the first pass's score in the report beside the new one: the first is the estimate
of tests that were not written against these mutants, the second shows the survivors were dealt with.
"""
from __future__ import annotations

import argparse
import datetime
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

from coursetools.mutation_plugin import importers
from coursetools.paths import ROOT

WORK = ROOT / ".mutation"
REPORT_DIR = ROOT / "benchmarks" / "mutation"
REPORT = REPORT_DIR / "REPORT.md"
REASONS = REPORT_DIR / "survivors.toml"
PATHS = ["course_utils/checks/", "course_utils/exercises/"]
TESTS = ["tests/test_checks.py", "tests/test_exercises.py", "tests/test_feedback_snapshots.py", "tests/chapters"]
COPY = ["course_utils", "coursetools", "tests", "data", "notebooks", "conftest.py", "pyproject.toml", "mypy.ini"]
STATUS = re.compile(r"^\s*(?P<name>[\w.]+__mutmut_\d+): (?P<status>[\w ]+)$")


def prepare(paths: list[str]) -> Path:
    """A fresh copy of what the tests need, with mutmut's settings for ``paths`` in its pyproject.toml."""
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir()
    for name in COPY:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, WORK / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(source, WORK / name)
    settings = (
        "\n[tool.mutmut]\n"
        f"source_paths = {paths!r}\n"
        f"pytest_add_cli_args_test_selection = {TESTS!r}\n"
        # The notebooks' strict nbval (addopts) is not what kills a mutant of a check: run the unit tests alone.
        # mutmut records test ids unescaped (a chapter test named "p² dropped" stays "p²") and passes them back;
        # pytest finds them only when it does not escape them either.
        # coursetools.mutation_plugin imports a mutated exercise module again, so what it builds at import sees
        # the mutant (see widen_import_time_tests).
        "pytest_add_cli_args = ['-p', 'no:xdist', '-p', 'coursetools.mutation_plugin', '-q', '-x', '-o', "
        "'addopts=-p no:cacheprovider', '-o', "
        "'disable_test_id_escaping_and_forfeit_all_rights_to_community_support=true']\n"
        f"also_copy = {COPY!r}\n"
    )
    with open(WORK / "pyproject.toml", "a", encoding="utf-8") as handle:
        handle.write(settings)
    return WORK


def results(work: Path) -> dict[str, str]:
    """mutmut's verdict for every mutant: killed, survived, no tests, timeout, ..."""
    out = subprocess.run([sys.executable, "-m", "mutmut", "results", "--all", "true"], cwd=work,
                         capture_output=True, text=True)
    found = {}
    for line in out.stdout.splitlines():
        match = STATUS.match(line)
        if match:
            found[match["name"]] = match["status"].strip()
    return found


def diff(work: Path, name: str) -> str:
    out = subprocess.run([sys.executable, "-m", "mutmut", "show", name], cwd=work, capture_output=True, text=True)
    return out.stdout.strip()


def reasons() -> dict[str, str]:
    """Why a survivor is harmless, written by a maintainer after reading its diff (survivors.toml)."""
    if not REASONS.is_file():
        return {}
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    return {str(k): str(v) for k, v in tomllib.loads(REASONS.read_text(encoding="utf-8")).items()}


NOT_RUN = "not checked"   # mutmut's verdict for a mutant the run did not reach (it was stopped)
# A mutant whose tests ran far past their usual time (an endless loop) was caught: the suite would not pass.
CAUGHT = ("killed", "timeout")
RUN_FILE = "course-run.json"  # in WORK: the sample drawn and the first pass's verdicts, for --report-only and --recheck


def save_run(work: Path, sample: tuple[float, int] | None, paths: list[str], first: dict[str, str]) -> None:
    """Remember how the run in ``work`` was drawn and what its first pass found."""
    record = {"sample": list(sample) if sample else None, "paths": paths, "first": first}
    (work / RUN_FILE).write_text(json.dumps(record, indent=1, sort_keys=True), encoding="utf-8")


def load_run(work: Path) -> dict:
    """What :func:`save_run` wrote, or an empty record for a run made before it existed."""
    try:
        return dict(json.loads((work / RUN_FILE).read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return {}


def source_changed(work: Path, paths: list[str]) -> list[str]:
    """The Python files under ``paths`` that differ between the checkout and the run's copy in ``work``.

    A recheck needs none: a changed file has other mutants than the ones the last run tried.

    >>> source_changed(ROOT, ["course_utils/checks/"])  # the checkout against itself
    []
    """
    def files(root: Path, path: str) -> set[Path]:
        top = root / path
        found = top.rglob("*.py") if top.is_dir() else [top] if top.is_file() else []
        return {f.relative_to(root) for f in found}

    changed = []
    for path in paths:
        for rel in sorted(files(ROOT, path) | files(work, path)):
            mine, theirs = ROOT / rel, work / rel
            if not (mine.is_file() and theirs.is_file() and mine.read_bytes() == theirs.read_bytes()):
                changed.append(str(rel))
    return changed


def report(verdicts: dict[str, str], diffs: dict[str, str], why: dict[str, str], paths: list[str],
           sample: tuple[float, int] | None = None, first: dict[str, str] | None = None) -> str:
    """The committed report: the score over the mutants that were run, and every survivor with its diff.

    A run stopped early (``./course mutate --resume`` continues it) leaves mutants "not checked":
    they are counted and named as such, never as killed or survived. After ``--recheck``, ``first``
    holds the first pass's verdicts, and its score is given first.
    """
    run = {name: v for name, v in verdicts.items() if v != NOT_RUN}
    killed = sum(v in CAUGHT for v in run.values())
    survivors = sorted(name for name, v in run.items() if v not in CAUGHT)
    score = killed / len(run) if run else 0.0
    explained = [name for name in survivors if name in why]
    not_run = len(verdicts) - len(run)
    if sample and not_run:
        coverage = (f" These are a random sample of {len(run)} of the {len(verdicts)} mutants (`--sample {sample[0]} "
                    f"--seed {sample[1]}`): the score estimates that of a whole run; {not_run} were not run.")
    elif not_run:
        coverage = (f" The run was stopped after {len(run)} of {len(verdicts)} mutants; {not_run} were not run yet "
                    "(`./course mutate --resume` continues it), so this score is of a partial run.")
    else:
        coverage = ""
    unexplained = len(survivors) - len(explained)
    equivalent = [name for name in explained if kind_of_reason(why[name]) == "equivalent"]
    outside = [name for name in explained if kind_of_reason(why[name]) == "killed outside"]
    gpu = [name for name in explained if kind_of_reason(why[name]) == "needs a GPU"]
    bugs = len(explained) - len(equivalent) - len(outside) - len(gpu)
    caught = killed + len(outside)
    beyond = (f" Leaving out the {len(equivalent)} that make no difference (equivalent mutants, which no test can "
              f"kill) and counting the {len(outside)} that a test outside mutmut kills, {caught} of "
              f"{len(run) - len(equivalent)} were caught: {caught / max(len(run) - len(equivalent), 1):.1%}"
              + (f"; {_count(bugs, 'survivor', 'survivors')} showed a bug, since fixed" if bugs else "")
              + (f"; {_count(len(gpu), 'survivor differs', 'survivors differ')} only on a GPU, which no test here "
                 "runs on" if gpu else "")
              + f"; {_count(unexplained, 'survivor is', 'survivors are')} not explained."
              if explained else "")
    timed_out = sum(v == "timeout" for v in run.values())
    timeouts = (f" ({_count(timed_out, 'was', 'were')} caught by mutmut's timeout: the tests ran far past their "
                "usual time, which the suite never does.)" if timed_out else "")
    first_run = {name: v for name, v in (first or {}).items() if v != NOT_RUN}
    rechecked = ""
    if first_run and first_run != run:
        first_killed = sum(v in CAUGHT for v in first_run.values())
        again = sorted(name for name, v in first_run.items() if v not in CAUGHT)
        now = sum(run.get(name) in CAUGHT for name in again)
        same = [name for name in again if name in why and run.get(name) not in CAUGHT
                and kind_of_reason(why[name]) == "equivalent"]
        first_caught = first_killed + sum(name in why and run.get(name) not in CAUGHT
                                          and kind_of_reason(why[name]) == "killed outside" for name in again)
        rechecked = (f"The first pass killed {first_killed} of {len(first_run)} "
                     f"({first_killed / max(len(first_run), 1):.1%}); leaving out the {len(same)} of its survivors "
                     f"shown below to make no difference, it caught {first_caught} of {len(first_run) - len(same)} "
                     f"({first_caught / max(len(first_run) - len(same), 1):.1%}). That is the estimate for tests "
                     f"not written against these mutants. Tests were then written for its {len(again)} survivors, "
                     f"which were run again (`./course mutate --recheck`): {now} of them are now killed. The "
                     "figures below are after the recheck.")
    lines = [
        "# Mutation run of the checks",
        "",
        f"Measured on {datetime.date.today().isoformat()} with `./course mutate` (mutmut) over "
        f"{', '.join(f'`{p}`' for p in paths)}, with the tests {', '.join(f'`{t}`' for t in TESTS)}.",
        "",
        *([rechecked, ""] if rechecked else []),
        f"**{killed} of {len(run)} mutants run were killed: {score:.1%}.**{timeouts} {len(survivors)} survived or "
        f"had no test, {len(explained)} of them explained below.{beyond}{coverage}",
        "",
        "| verdict | mutants |", "|---|---|",
        *[f"| {status} | {sum(v == status for v in verdicts.values())} |" for status in sorted(set(verdicts.values()))],
        "",
        "| part | killed | run | explained survivors |", "|---|---|---|---|",
        *[f"| `{part}` | {sum(run[n] in CAUGHT for n in names)} | {len(names)} | "
          f"{sum(n in why for n in names if run[n] not in CAUGHT)} |"
          for part, names in _by_part(run).items()],
        "",
        "## Survivors",
        "",
    ]
    for name in survivors:
        lines += [f"### `{name}` ({verdicts[name]})", "", why.get(name, "**Not explained yet.**"), "",
                  "```diff", diffs.get(name, "").strip(), "```", ""]
    return "\n".join(lines).rstrip() + "\n"


KILLED_OUTSIDE = "Killed by a test that cannot run under mutmut"
SHOWED_A_BUG = "Not harmless"
NEEDS_A_GPU = "Differs only on a GPU"


def kind_of_reason(reason: str) -> str:
    """What a reason in survivors.toml says of its mutant, by how it begins.

    ``"killed outside"`` (a test kills it, one that mutmut's trampolines keep from running there),
    ``"showed a bug"`` (the mutant exposed a bug that was then fixed), ``"needs a GPU"`` (it changes what
    a CUDA or MPS run does, and no test here runs on one: a survivor, not an equivalent), else ``"equivalent"``.

    >>> kind_of_reason("The default is never used: every caller passes lr.")
    'equivalent'
    >>> kind_of_reason("Differs only on a GPU: .to(None) leaves the network on the CPU, where x is too.")
    'needs a GPU'
    """
    if reason.startswith(KILLED_OUTSIDE):
        return "killed outside"
    if reason.startswith(NEEDS_A_GPU):
        return "needs a GPU"
    if reason.startswith(SHOWED_A_BUG):
        return "showed a bug"
    return "equivalent"


def _count(n: int, one: str, many: str) -> str:
    """``1 survivor is`` or ``3 survivors are``."""
    return f"{n} {one if n == 1 else many}"


def _by_part(run: dict[str, str]) -> dict[str, list[str]]:
    """The mutants' names grouped by package (``course_utils.checks``, ``course_utils.exercises``, ...)."""
    parts: dict[str, list[str]] = {}
    for name in sorted(run):
        parts.setdefault(".".join(name.split(".")[:2]), []).append(name)
    return parts


def make_mutants(work: Path) -> None:
    """Have mutmut make its mutants and its map of which tests cover which function, and run none.

    A run asked for a name that matches no mutant does only that; the map is then widened
    (:func:`widen_import_time_tests`) before the mutants are run.
    """
    out = subprocess.run([sys.executable, "-m", "mutmut", "run", "no.such__mutmut_0"], cwd=work, capture_output=True,
                         text=True, errors="replace")
    _refuse_a_failed_clean_run(out.stdout + out.stderr)
    stats = work / "mutants" / "mutmut-stats.json"
    if stats.is_file():
        data = json.loads(stats.read_text(encoding="utf-8"))
        data["tests_by_mangled_function_name"] = widen_import_time_tests(
            data["tests_by_mangled_function_name"], list(data["duration_by_test"]),
            importers(work / "course_utils" / "exercises"))
        stats.write_text(json.dumps(data, indent=4), encoding="utf-8")


CLEAN_RUN_FAILED = ("failed to collect stats", "Failed to run clean test", "Failed to collect list of tests")


def _refuse_a_failed_clean_run(output: str) -> None:
    """Stop when mutmut could not run the tests on the unmutated code: every verdict after it would be void.

    >>> _refuse_a_failed_clean_run("done")
    """
    if any(sign in output for sign in CLEAN_RUN_FAILED):
        tail = "\n".join(line for line in output.replace("\r", "\n").splitlines()
                         if line.strip() and "Generating mutants" not in line)[-3000:]
        raise SystemExit(f"{tail}\nerror: the tests fail on the unmutated code when mutmut runs them (above), so no "
                         "mutant was judged; make them pass under mutmut (MUTANT_UNDER_TEST is set there) and run "
                         "again")


def run_mutants(work: Path, names: list[str]) -> int:
    """``mutmut run`` on ``names`` (all when empty), its output shown as it comes; 2 when the run is void."""
    process = subprocess.Popen([sys.executable, "-m", "mutmut", "run", *names], cwd=work, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)
    assert process.stdout is not None
    seen = b""
    stream = process.stdout
    for chunk in iter(lambda: stream.read1(4096), b""):  # type: ignore[attr-defined]
        sys.stdout.buffer.write(chunk)
        sys.stdout.flush()
        seen = (seen + chunk)[-20000:]
    code = process.wait()
    try:
        _refuse_a_failed_clean_run(seen.decode(errors="replace"))
    except SystemExit as stop:
        print(stop, file=sys.stderr)
        return 2
    if code not in (0, 1):
        print(f"error: mutmut stopped with code {code}", file=sys.stderr)
        return 2
    return 0


def widen_import_time_tests(tests_by_function: dict[str, list[str]], tests_in_order: list[str],
                            users: dict[str, list[str]] | None = None) -> dict[str, list[str]]:
    """Give the code that runs at import the tests of its chapter, not only the test that happened to import it.

    mutmut learns which tests cover a function by running them all once; what runs while the modules are
    imported (an exercise's cases and judges are built then) is credited to the first test, the one
    running when the import happened. A mutant there would be tried on that test alone. Here such a
    function of ``course_utils/exercises/<chapter>.py`` gets every test of its chapter (its file in
    ``tests/chapters`` and the tests of its exercises in the other files), and a function of the check
    kinds that only the import ran gets every test in ``tests/test_exercises.py``. ``users`` maps a
    chapter to the chapters that import from it (:func:`coursetools.mutation_plugin.importers`): their
    tests are added too, as what they build at import uses the mutated code. With
    :mod:`coursetools.mutation_plugin`, the modules are imported again under the mutant.

    >>> widen_import_time_tests({"course_utils.exercises.hooks.x__case": ["t::first"]},
    ...                         ["t::first", "tests/chapters/test_12_hooks.py::test_a", "e.py::test[hooks.flat]",
    ...                          "e.py::test[first_gradients.one]"])["course_utils.exercises.hooks.x__case"]
    ['e.py::test[hooks.flat]', 't::first', 'tests/chapters/test_12_hooks.py::test_a']
    """
    if not tests_in_order:
        return tests_by_function
    first = tests_in_order[0]
    widened = {}
    for function, tests in tests_by_function.items():
        found = set(tests)
        if first in found:
            parts = function.split(".")
            if function.startswith("course_utils.exercises.") and len(parts) > 3:
                for chapter in [parts[2], *(users or {}).get(parts[2], [])]:
                    found |= {t for t in tests_in_order
                              if re.match(rf"tests/chapters/test_\d\d_{chapter}\.py::", t) or f"[{chapter}." in t}
            elif function.startswith("course_utils.checks") and found == {first}:
                found |= {t for t in tests_in_order if t.startswith("tests/test_exercises.py::")}
        widened[function] = sorted(found)
    return widened


def draw_sample(work: Path, share: float, seed: int) -> list[str]:
    """Names of a random ``share`` of the mutants (see :func:`make_mutants`), the same for the same code and seed."""
    import random

    every = sorted(results(work))
    if not every:
        raise SystemExit("error: mutmut made no mutants; run ./course mutate without --sample to see why")
    chosen = random.Random(seed).sample(every, max(1, round(share * len(every))))
    return sorted(chosen)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="./course mutate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--paths", nargs="*", default=PATHS, help="files or folders to mutate")
    parser.add_argument("--report-only", action="store_true", help="rewrite the report from the last run")
    parser.add_argument("--resume", action="store_true", help="continue the last run in .mutation/ where it stopped")
    parser.add_argument("--recheck", action="store_true",
                        help="run the last run's survivors again with today's tests (the source must be unchanged)")
    parser.add_argument("--sample", type=float, help="run only this share of the mutants, drawn at random (0 to 1)")
    parser.add_argument("--seed", type=int, default=0, help="the seed of --sample's draw")
    args = parser.parse_args(argv)
    if args.sample is not None and not 0 < args.sample <= 1:
        parser.error(f"--sample is a share of the mutants between 0 and 1, got {args.sample}")
    sample = (args.sample, args.seed) if args.sample is not None else None
    if (args.resume or args.recheck or args.report_only) and sample:
        parser.error("--sample draws a new run; --resume, --recheck and --report-only use the last run's draw")
    before = load_run(WORK) if WORK.is_dir() else {}
    if args.resume or args.recheck or args.report_only:
        sample = tuple(before["sample"]) if before.get("sample") else None  # type: ignore[assignment]
        args.paths = before.get("paths", args.paths)
    if args.recheck:
        code = _recheck(args.paths, before)
        if code:
            return code
    elif not args.report_only:
        work = WORK if args.resume and WORK.is_dir() else prepare(args.paths)
        print(f"mutating {', '.join(args.paths)} in a copy at {work} ...", flush=True)
        names: list[str] = []
        if not args.resume:
            make_mutants(work)
        if sample:
            names = draw_sample(work, *sample)
            print(f"a random sample of {len(names)} mutants (seed {sample[1]})", flush=True)
        if run_mutants(work, names):
            return 2
        save_run(work, sample, args.paths, results(work))
    verdicts = results(WORK)
    if not verdicts:
        print("error: no mutmut results found; run ./course mutate first", file=sys.stderr)
        return 2
    why = reasons()
    diffs = {name: diff(WORK, name) for name, v in verdicts.items() if v not in (*CAUGHT, NOT_RUN)}
    REPORT_DIR.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(report(verdicts, diffs, why, args.paths, sample, load_run(WORK).get("first")), encoding="utf-8")
    run_ = [v for v in verdicts.values() if v != NOT_RUN]
    killed = sum(v in CAUGHT for v in run_)
    print(f"{killed} of {len(run_)} mutants run were killed ({killed / max(len(run_), 1):.1%}; "
          f"{len(verdicts) - len(run_)} not run yet); wrote {REPORT.relative_to(ROOT)}")
    return 0


def _recheck(paths: list[str], before: dict) -> int:
    """Run the survivors of the last run again, with the checkout's tests copied into the run's copy."""
    if not WORK.is_dir() or not before.get("first"):
        print("error: --recheck needs a finished run in .mutation/ (./course mutate first)", file=sys.stderr)
        return 2
    changed = source_changed(WORK, paths)
    if changed:
        print(f"error: the mutated source changed since the last run ({', '.join(changed[:5])}), so its mutants are "
              "not the same; run ./course mutate again", file=sys.stderr)
        return 2
    for name in ("tests", "coursetools"):
        shutil.rmtree(WORK / name)
        shutil.copytree(ROOT / name, WORK / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    names = sorted(name for name, v in results(WORK).items() if v not in (*CAUGHT, NOT_RUN))
    print(f"running the {len(names)} survivors of the last run again with today's tests ...", flush=True)
    if not names:
        return 0
    make_mutants(WORK)  # mutmut learns which functions the new tests cover; the map is widened again
    return run_mutants(WORK, names)


if __name__ == "__main__":
    sys.exit(main())
