"""``./course compat``: run the course on every row of the compatibility matrix and write the report.

The rows (Python × torch × NumPy, and what Colab has) are declared once, in ``compat/matrix.toml``.
For each row this builds a throw-away environment in ``.compat/<row>`` (reused while the row is
unchanged), runs :mod:`coursetools.compat_probe` in it (every chapter of both editions, every
check with its solution and its wrong examples), and from all rows writes ``compat/REPORT.md``
(committed) and the README's "Supported versions" section.

    ./course compat                      # every row (a maintainer, before a release)
    ./course compat --rows torch-2.14    # one row; CI runs the rows marked ci = true
    ./course compat --ci                 # the CI rows, non-strict: outputs may differ, nothing else
    ./course compat --report-only        # the report again from every row's last results (after --rows)

A row passes when every chapter of both editions completes and every check accepts its solution and
rejects its wrong examples; outputs that differ from the stored ones (after the sanitize rules) are
counted and shown, not failed, since the stored outputs belong to the pinned set.
"""
from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coursetools.paths import ROOT

MATRIX = ROOT / "compat" / "matrix.toml"
REPORT = ROOT / "compat" / "REPORT.md"
RESULTS = ROOT / "compat" / "results"
ENVS = ROOT / ".compat"
README = ROOT / "README.md"
README_START, README_END = "<!-- compat:start -->", "<!-- compat:end -->"
RUN_TOOLS = ["nbclient>=0.10", "nbformat>=5.9", "ipykernel>=6.29"]


def _toml(text: str) -> dict[str, Any]:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    return tomllib.loads(text)


@dataclass
class Row:
    """One environment of the matrix."""

    name: str
    python: str
    packages: list[str] = field(default_factory=list)
    constraints: str = ""
    source: str = ""
    ci: bool = False

    def fingerprint(self, dependencies: list[str]) -> str:
        """Changes when anything that goes into the environment changes (then it is rebuilt)."""
        text = json.dumps([self.python, self.packages, self.constraints, dependencies, RUN_TOOLS])
        if self.constraints:
            text += (ROOT / self.constraints).read_text()
        return hashlib.sha256(text.encode()).hexdigest()


def load_matrix(path: Path = MATRIX) -> list[Row]:
    """The declared rows; a malformed file is an error naming the row and the field.

    >>> [row.name for row in load_matrix()][:2]
    ['tested', 'torch-2.14']
    """
    data = _toml(path.read_text(encoding="utf-8"))
    rows = []
    for index, entry in enumerate(data.get("row", [])):
        unknown = set(entry) - {"name", "python", "packages", "constraints", "source", "ci"}
        if unknown or "name" not in entry or "python" not in entry:
            raise ValueError(f"{path}: row {index} needs 'name' and 'python' and knows no {sorted(unknown)}")
        rows.append(Row(**entry))
    names = [row.name for row in rows]
    if len(set(names)) != len(names):
        raise ValueError(f"{path}: row names must be unique, got {names}")
    return rows


def course_dependencies() -> list[str]:
    """The runtime dependencies pyproject.toml declares (ranges), which every row installs."""
    return list(_toml((ROOT / "pyproject.toml").read_text())["project"]["dependencies"])


def _runs_as(candidate: str, version: str) -> bool:
    """True if ``candidate`` starts and is Python ``version`` (a pyenv shim of an inactive version does not start)."""
    try:
        out = subprocess.run([candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                             capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return out.returncode == 0 and out.stdout.strip() == version


def find_python(version: str) -> str:
    """An interpreter for ``version`` ("3.12"): this one if it is that version, else pyenv's, else ``python3.12``.

    >>> find_python(f"{sys.version_info[0]}.{sys.version_info[1]}") != ""
    True
    """
    if version == f"{sys.version_info[0]}.{sys.version_info[1]}":
        return getattr(sys, "_base_executable", sys.executable)
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    candidates = [str(c / "bin" / "python") for c in sorted(pyenv.glob(f"{version}.*"), reverse=True)]
    candidates += [found for found in [shutil.which(f"python{version}")] if found]
    for candidate in candidates:
        if _runs_as(candidate, version):
            return candidate
    raise FileNotFoundError(f"no Python {version} here (looked in {pyenv} and for python{version} on PATH)")


def _pip_env() -> dict[str, str]:
    # The machine-wide pip configuration may cap torch (a constraints file): a row asks for exact versions.
    return {**os.environ, "PIP_CONFIG_FILE": os.devnull, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


def build_environment(row: Row, wheelhouse: Path | None, log) -> Path:
    """Create (or reuse) the row's environment; return its Python."""
    folder = ENVS / row.name
    python = folder / "bin" / "python"
    dependencies = course_dependencies()
    stamp = folder / ".compat-fingerprint"
    fingerprint = row.fingerprint(dependencies)
    if python.is_file() and stamp.is_file() and stamp.read_text() == fingerprint:
        log(f"[{row.name}] reusing {folder}")
        return python
    shutil.rmtree(folder, ignore_errors=True)
    log(f"[{row.name}] creating {folder} with Python {row.python}")
    subprocess.run([find_python(row.python), "-m", "venv", str(folder)], check=True)
    pins = folder / "row-constraints.txt"
    pins.write_text("\n".join(row.packages) + "\n")
    command = [str(python), "-m", "pip", "install", "--quiet", *row.packages, *dependencies,
               *RUN_TOOLS, "-c", str(pins)]
    if row.constraints:
        command += ["-c", str(ROOT / row.constraints)]
    if wheelhouse:
        command += ["--find-links", str(wheelhouse)]
    log(f"[{row.name}] installing: {' '.join(row.packages) or 'the pinned set'}")
    subprocess.run(command, check=True, env=_pip_env())
    stamp.write_text(fingerprint)
    return python


def probe(row: Row, python: Path, chapters: list[str] | None, editions: list[str], log) -> dict[str, Any]:
    """Run the probe in the row's environment (the checkout on PYTHONPATH); return its facts."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{row.name}.json"
    command = [str(python), "-m", "coursetools.compat_probe", "--out", str(out), "--editions", *editions]
    if chapters:
        command += ["--chapters", *chapters]
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONHOME")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    log(f"[{row.name}] running every chapter ({', '.join(editions)}) and every check")
    run = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    facts = json.loads(out.read_text()) if out.is_file() else {"versions": {}, "chapters": [], "checks": []}
    if run.returncode != 0:
        facts["probe_error"] = (run.stderr or run.stdout)[-1500:]
    return facts


# ---------------------------------------------------------------------------------------------- report

def summarise(row: Row, facts: dict[str, Any]) -> dict[str, Any]:
    """The numbers of one row: chapters completing, checks right, outputs differing."""
    chapters = facts.get("chapters", [])
    by_edition = {e: [c for c in chapters if c["edition"] == e] for e in ("solution", "learner")}
    checks = facts.get("checks", [])
    return {
        "row": row.name, "source": row.source, "versions": facts.get("versions", {}),
        "completed": {e: (sum(c["completed"] for c in cs), len(cs)) for e, cs in by_edition.items()},
        "solutions": (sum(c["solution"] == "accepted" for c in checks), len(checks)),
        "wrong": (sum(c["wrong_rejected"] for c in checks), sum(c["wrong_total"] for c in checks)),
        "differing": (sum(len(c["differing"]) for c in chapters), sum(c["code_cells"] for c in chapters)),
        "errors": [f"{c['notebook']}: {c['first_error']}" for c in chapters if c["first_error"]],
        "check_problems": [f"{c['id']}: {p}" for c in checks for p in c["problems"]],
        "probe_error": facts.get("probe_error", ""),
    }


def passed(summary: dict[str, Any]) -> bool:
    """Every chapter completes, every solution is accepted and every wrong example rejected.

    An edition that was not asked for (``--editions solution``) has no chapters and is not counted;
    at least one edition must have run.
    """
    completed = [(n, total) for n, total in summary["completed"].values() if total > 0]
    done = bool(completed) and all(n == total for n, total in completed)
    return (done and summary["solutions"][0] == summary["solutions"][1] > 0
            and summary["wrong"][0] == summary["wrong"][1] and not summary["probe_error"])


def table(summaries: list[dict[str, Any]]) -> str:
    """The Markdown table of the report and of the README section."""
    lines = ["| row | Python | torch | NumPy | matplotlib | ipywidgets | chapters completing (solution / learner) "
             "| checks accepting their solution | wrong examples rejected | stored outputs differing |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for s in summaries:
        v = s["versions"]
        (sol, sol_n), (lea, lea_n) = s["completed"]["solution"], s["completed"]["learner"]
        lines.append(f"| {s['row']} | {v.get('python', '?')} | {v.get('torch', '?')} | {v.get('numpy', '?')} | "
                     f"{v.get('matplotlib', '?')} | {v.get('ipywidgets', '?')} | {sol}/{sol_n} / {lea}/{lea_n} | "
                     f"{s['solutions'][0]}/{s['solutions'][1]} | {s['wrong'][0]}/{s['wrong'][1]} | "
                     f"{s['differing'][0]} of {s['differing'][1]} cells |")
    return "\n".join(lines)


def report(summaries: list[dict[str, Any]], details: dict[str, dict[str, Any]], date: str) -> str:
    parts = [f"# Compatibility report\n\nMeasured on {date} with `./course compat` (rows declared in "
             "`compat/matrix.toml`). A row passes when every chapter of both editions runs to the end and every "
             "check accepts its solution and rejects its typical wrong answers. Stored outputs belong to the "
             "pinned set; where another version prints something else, the cells are listed below.\n",
             table(summaries), ""]
    for s in summaries:
        parts.append(f"## {s['row']}: {'passes' if passed(s) else 'FAILS'}\n\n{s['source']}.\n")
        parts.append("Versions: " + ", ".join(f"{k} {v}" for k, v in s["versions"].items()) + ".\n")
        if s["probe_error"]:
            parts.append(f"The probe stopped:\n\n```\n{s['probe_error'].strip()}\n```\n")
        for title, items in (("Unexpected errors", s["errors"]), ("Checks", s["check_problems"])):
            if items:
                parts.append(f"{title}:\n\n" + "\n".join(f"- {item}" for item in items) + "\n")
        differing = [(c["notebook"], d) for c in details.get(s["row"], {}).get("chapters", []) for d in c["differing"]]
        if differing:
            parts.append(f"Outputs that differ from the stored ones ({len(differing)}):\n")
            for notebook, d in differing[:40]:
                parts.append(f"- `{notebook}` cell {d['cell']}: stored `{_inline(d['stored'])}`, "
                             f"here `{_inline(d['got'])}`")
            parts.append("")
    return "\n".join(parts).rstrip() + "\n"


def _inline(text: str) -> str:
    return " ".join(text.split())[:140].replace("`", "'").replace("|", "/")


def readme_section(summaries: list[dict[str, Any]], date: str) -> str:
    passing = [s for s in summaries if passed(s)]
    lines = [README_START, "## Supported versions", "",
             f"Generated by `./course compat` on {date} from `compat/REPORT.md` (details there). Every row below ran "
             "every chapter of both editions and every check in a fresh environment.", "", table(summaries), "",
             f"{len(passing)} of {len(summaries)} rows pass. The stored outputs come from the pinned set "
             "(`requirements/constraints.txt`, torch 2.13.0); other versions may print a few cells differently, "
             "as listed in the report.", README_END]
    return "\n".join(lines)


def write_readme(section: str, path: Path | None = None) -> None:
    """Put ``section`` between the README's compat markers (``path`` defaults to the README)."""
    path = path or README
    text = path.read_text(encoding="utf-8")
    if README_START in text:
        start, end = text.index(README_START), text.index(README_END) + len(README_END)
        text = text[:start] + section + text[end:]
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    path.write_text(text, encoding="utf-8")


def write_report_from_results(log) -> int:
    """The report from each row's last stored results, after re-running only the rows that changed.

    Every row of the matrix must have results; a row that never ran is named, and nothing is written.
    """
    rows = load_matrix()
    missing = [row.name for row in rows if not (RESULTS / f"{row.name}.json").is_file()]
    if missing:
        log(f"error: no results yet for the row(s) {missing}: run ./course compat --rows {' '.join(missing)}")
        return 2
    details = {row.name: json.loads((RESULTS / f"{row.name}.json").read_text()) for row in rows}
    summaries = [summarise(row, details[row.name]) for row in rows]
    date = datetime.date.today().isoformat()
    REPORT.write_text(report(summaries, details, date), encoding="utf-8")
    write_readme(readme_section(summaries, date))
    log(f"wrote {REPORT.relative_to(ROOT)} and the README's Supported versions section "
        f"from {RESULTS.relative_to(ROOT)}/")
    return 0 if all(passed(s) for s in summaries) else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="./course compat", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", nargs="*", help="row names (default: every row)")
    parser.add_argument("--ci", action="store_true", help="only the rows marked ci = true; no report is written")
    parser.add_argument("--chapters", nargs="*", help="chapter numbers, for a quick try")
    parser.add_argument("--editions", nargs="*", default=["solution", "learner"], choices=["solution", "learner"])
    parser.add_argument("--wheelhouse", type=Path, help="a folder of downloaded wheels to install from first")
    parser.add_argument("--no-report", action="store_true", help="do not rewrite compat/REPORT.md and the README")
    parser.add_argument("--report-only", action="store_true",
                        help="rewrite the report and the README from every row's last results (compat/results/)")
    args = parser.parse_args(argv)
    if args.report_only:
        return write_report_from_results(log=print)

    rows = load_matrix()
    if args.ci:
        rows = [row for row in rows if row.ci]
    if args.rows:
        unknown = set(args.rows) - {row.name for row in rows}
        if unknown:
            parser.error(f"no row {sorted(unknown)} in {MATRIX.relative_to(ROOT)}; rows: {[r.name for r in rows]}")
        rows = [row for row in rows if row.name in args.rows]

    def log(message: str) -> None:
        print(message, flush=True)

    summaries, details = [], {}
    for row in rows:
        try:
            python = build_environment(row, args.wheelhouse, log)
            facts = probe(row, python, args.chapters, args.editions, log)
        except (subprocess.CalledProcessError, FileNotFoundError) as exc:
            facts = {"versions": {"python": row.python}, "chapters": [], "checks": [],
                     "probe_error": f"the environment could not be built: {exc}"}
        details[row.name] = facts
        summary = summarise(row, facts)
        summaries.append(summary)
        log(f"[{row.name}] {'passes' if passed(summary) else 'FAILS'}: {table([summary]).splitlines()[-1]}")
    if not (args.ci or args.no_report or args.chapters or args.rows):
        date = datetime.date.today().isoformat()
        REPORT.write_text(report(summaries, details, date), encoding="utf-8")
        write_readme(readme_section(summaries, date))
        log(f"wrote {REPORT.relative_to(ROOT)} and the README's Supported versions section")
    failing = [s["row"] for s in summaries if not passed(s)]
    for s in summaries:
        for line in s["errors"] + s["check_problems"] + ([s["probe_error"]] if s["probe_error"] else []):
            log(f"[{s['row']}] {line}")
    if failing:
        log(f"rows failing: {', '.join(failing)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
