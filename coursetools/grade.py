"""``./course grade SUBMISSIONS... --out DIR``: grade learners' notebooks with the course's own checks.

    ./course grade submissions/ --out graded/                 # every .ipynb below submissions/
    ./course grade a.ipynb b.ipynb --out graded/ --chapter 04 # refuse notebooks of other chapters
    ./course grade submissions/ --out graded/ --ids roster.csv  # learner ids from a column map

SUBMISSIONS are files or folders (searched for ``*.ipynb``), of any chapter: the learner edition,
filled in. Each is executed in a fresh process forked from a warmed one, in a sandbox
(``coursetools.grade_sandbox``: own working directory, time limits per cell and per notebook, a
memory limit, no network), compared with the learner edition (``coursetools.grade_notebook``), and
judged by the same ``check`` the learner used. DIR receives:

- ``gradebook.csv``: one row per submission: the learner, the file, the chapter, one column per
  exercise (1 or 0; empty where the check itself could not run), the total, the maximum, and the
  problems found; ``gradebook_canvas.csv``: the same scores in Canvas's import layout;
- ``misconceptions.csv``: per exercise, how many submissions made each recognised mistake;
- ``report.html``: one self-contained page: pass rates, the mistakes named most often with the hint
  they got, a chart, the submissions that could not be graded and why, tampering found;
- ``results/``: one JSON file per submission, written as soon as it is graded. Running the same
  command again reuses them (a crash loses nothing), and regrades only new or changed files.

The learner id comes from the file name: a Canvas download (``name_12345_67890_file.ipynb``), a
Moodle folder (``Name_12345_assignsubmission_file_``), a folder per learner
(``alice/04_gradients_accumulate.ipynb``), or the name itself (``alice-04.ipynb``). ``--ids FILE``
maps files to learners instead: a CSV with a ``file`` column (file name or path) and a ``learner``
column; its other columns (``email``, ``ID``, ``SIS User ID``, ``SIS Login ID``, ``Section``, ...)
are copied into the gradebooks.
"""
from __future__ import annotations

import argparse
import csv
import datetime as _dt
import hashlib
import json
import os
import re
import selectors
import shutil
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from coursetools.grade_notebook import screen
from coursetools.grade_sandbox import Job, Limits, Running

RESULT_VERSION = 1
CHAPTER_NAME = re.compile(r"^\d\d_[a-z0-9_]+$")
CANVAS_FILE = re.compile(r"^(?P<name>[a-z0-9]+?)(?:_late)?_(?P<id>\d+)_(?P<sub>\d+)_(?P<file>.+)$", re.IGNORECASE)
MOODLE_FOLDER = re.compile(r"^(?P<name>.+?)_(?P<id>\d+)_assignsubmission_(?:file|onlinetext)_?$")
STATUS_TEXT = {
    "correct": "correct", "wrong": "wrong", "unanswered": "not answered", "missing": "exercise cell missing",
    "tampered": "tampered", "timeout": "did not finish", "memory": "ran out of memory", "error": "error",
    "not_run": "not run", "not_checked": "not checked", "problem": "check could not run",
}


# ---------------------------------------------------------------------------------- what to grade

@dataclass
class Submission:
    path: Path
    name: str                      # as the report shows it (relative to the folder given, if any)
    root: Path | None              # the folder it was found in
    identity: dict[str, str] = field(default_factory=dict)


def discover(paths: Iterable[Path], out: Path) -> tuple[list[Submission], list[str]]:
    """Every submission below ``paths`` (files as given, folders searched for ``*.ipynb``), and what was skipped."""
    found: list[Submission] = []
    skipped: list[str] = []
    seen: set[Path] = set()
    out = out.resolve()
    for given in paths:
        given = Path(given)
        if given.is_dir():
            root = given.resolve()
            others = 0
            for path in sorted(root.rglob("*")):
                if not path.is_file() or any(part.startswith(".") for part in path.relative_to(root).parts):
                    continue
                if path.resolve().is_relative_to(out):
                    continue
                if path.suffix != ".ipynb":
                    others += 1
                    continue
                if path.resolve() not in seen:
                    seen.add(path.resolve())
                    found.append(Submission(path, str(Path(given.name) / path.relative_to(root)), root))
            if others:
                skipped.append(f"{given}: {others} file(s) that are not notebooks (*.ipynb) were skipped")
        elif given.is_file():
            if given.resolve() not in seen:
                seen.add(given.resolve())
                found.append(Submission(given, given.name, None))
        else:
            skipped.append(f"{given}: no such file or folder")
    return found, skipped


def learner_of(submission: Submission) -> dict[str, str]:
    """The learner id (and a Canvas user id, when the name has one) told by a submission's path.

    >>> learner_of(Submission(Path("dl/doejane_12345_678_04_gradients_accumulate.ipynb"), "x", Path("dl")))
    {'learner': 'doejane', 'ID': '12345'}
    >>> learner_of(Submission(Path("s/alice/04_gradients_accumulate.ipynb"), "x", Path("s")))
    {'learner': 'alice'}
    >>> learner_of(Submission(Path("s/bob-04_gradients_accumulate.ipynb"), "x", Path("s")))
    {'learner': 'bob'}
    """
    path = submission.path
    match = CANVAS_FILE.match(path.name)
    if match and not CHAPTER_NAME.match(path.stem):
        return {"learner": match.group("name"), "ID": match.group("id")}
    for parent in path.parents:
        if submission.root is not None and parent == submission.root:
            break
        moodle = MOODLE_FOLDER.match(parent.name)
        if moodle:
            return {"learner": moodle.group("name")}
    if CHAPTER_NAME.match(path.stem) or path.stem in ("submission", "notebook"):
        if submission.root is not None:
            parts = path.relative_to(submission.root).parts
            if len(parts) > 1:
                return {"learner": parts[0]}
        return {"learner": path.parent.name or path.stem}
    stem = re.sub(r"[-_. ]*\d\d_[a-z0-9_]+$", "", path.stem)
    stem = re.sub(r"^\d\d_[a-z0-9_]+?[-. ]+", "", stem)
    return {"learner": stem or path.stem}


def read_ids(path: Path) -> dict[str, dict[str, str]]:
    """The column map of ``--ids``: file (name or path) -> its row."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    if not rows or "file" not in rows[0] or "learner" not in rows[0]:
        raise SystemExit(f"error: {path} must be a CSV with the columns 'file' and 'learner' (and any others)")
    return {row["file"].strip(): {k: (v or "").strip() for k, v in row.items() if k and k != "file"} for row in rows}


def identify(submissions: list[Submission], ids: dict[str, dict[str, str]] | None) -> None:
    for sub in submissions:
        identity = learner_of(sub)
        if ids:
            for key in (sub.name, str(sub.path), sub.path.name, sub.path.stem):
                if key in ids:
                    identity = {**identity, **ids[key]}
                    break
        sub.identity = identity


# ---------------------------------------------------------------------------------- the editions

def load_editions(learner_dir: Path | None = None) -> dict[str, Any]:
    """The learner edition of every chapter, built now from the solution notebooks (or read from ``learner_dir``)."""
    from coursetools.grade_notebook import build_edition, edition_from_file
    from coursetools.notebooks import chapter_notebooks

    editions = {}
    for solution in chapter_notebooks():
        if learner_dir is not None and (learner_dir / solution.name).is_file():
            edition = edition_from_file(learner_dir / solution.name, solution.stem)
        else:
            edition = build_edition(solution)
        editions[edition.slug] = edition
    return editions


def course_fingerprint(editions: dict[str, Any], limits: Limits, chapter: str | None) -> str:
    """What a result depends on besides the file: the checks, its chapter's exercises and learner edition, the limits.

    An edit to another chapter does not invalidate it.
    """
    from coursetools.notebooks import ROOT

    digest = hashlib.sha256()
    for path in sorted((ROOT / "course_utils" / "checks").glob("*.py")):
        digest.update(path.name.encode() + path.read_bytes())
    if chapter in editions:
        module = ROOT / "course_utils" / "exercises" / f"{chapter}.py"
        if module.is_file():
            digest.update(module.read_bytes())
        digest.update(chapter.encode() + "".join(c.kind + c.source for c in editions[chapter].cells).encode())
    digest.update(json.dumps(asdict(limits), sort_keys=True).encode() + str(RESULT_VERSION).encode())
    return digest.hexdigest()


def result_path(results: Path, submission: Submission, key: str) -> Path:
    """``results/<the file's name, made safe>-<12 hex of its key>.json``."""
    return results / f"{_safe_name(submission)}-{key[:12]}.json"


def _safe_name(submission: Submission) -> str:
    """The file's name in characters every file system takes, made unique by a hash of the real name."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", submission.name)[-80:].strip("_") or "submission"
    return f"{safe}-{hashlib.sha256(submission.name.encode()).hexdigest()[:6]}"


# ---------------------------------------------------------------------------------- events -> result

def _names(items: list[str], most: int = 3) -> str:
    """A short list for a problem line: ``'python worker.py', 'sleep 100' and 2 more``."""
    shown = ", ".join(repr(item[:60]) for item in items[:most])
    return shown + (f" and {len(items) - most} more" if len(items) > most else "")


def _is_memory(error: dict | None) -> bool:
    if not error:
        return False
    return error["type"] == "MemoryError" or "can't allocate memory" in error["message"] or \
        "DefaultCPUAllocator" in error["message"] or "Cannot allocate memory" in error["message"]


def assemble(submission: Submission, running: Running | None, editions: dict[str, Any], limits: Limits,
             expected: str | None, reason: str = "") -> dict:
    """The result of one submission, from what its child reported (the child's word is checked, not trusted)."""
    base = {"version": RESULT_VERSION, "file": submission.name, "path": str(submission.path),
            "learner": submission.identity.get("learner", ""), "identity": submission.identity,
            "graded_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            "seconds": round(time.monotonic() - running.started, 2) if running else 0.0}
    events = running.events if running else []
    first = {}
    for event in events:
        first.setdefault(event.get("e"), event)
    crash = first.get("crash")
    bad = first.get("bad")
    plan = first.get("plan")
    if reason or bad or plan is None:
        why = reason or (bad or {}).get("reason")
        if not why:
            why = "could not be read: the grading process stopped before it had read the notebook"
            if running and running.stopped:
                why += f" ({running.stopped})"
            elif crash:
                why += f" ({crash.get('what')})"
        chapter = (bad or {}).get("chapter")
        return {**base, "status": "not_graded", "reason": why, "chapter": chapter or "",
                "chapter_number": editions[chapter].number if chapter in editions else "", "exercises": {},
                "total": 0, "max": 0, "problems": [why], "notes": [], "tampering": [], "incidents": []}
    slug = plan["chapter"]
    edition = editions[slug]
    cells = plan.get("cells", [])
    ends = {e.get("cell"): e for e in events if e.get("e") == "end" and isinstance(e.get("cell"), int)}
    done = first.get("done")
    interrupted = set(running.interrupted) if running else set()
    problems: list[str] = []
    tampering: list[dict] = []
    incidents = [dict(i, where=cells[i["cell"]]["where"] if 0 <= i.get("cell", -1) < len(cells) else "")
                 for e in ends.values() for i in e.get("incidents", []) if isinstance(i, dict)]
    exercises_at = {c.get("exercise"): k for k, c in enumerate(cells) if c.get("kind") == "exercise"}

    def spoil(exercise_id: str | None, cell: int, what: str) -> None:
        if exercise_id in exercises_at:
            tampering.append({"exercise": exercise_id, "what": what})
        else:  # in a cell of no exercise: undone before the next cell, so no verdict came from it
            tampering.append({"exercise": None, "what": what})
            problems.append(f"tampering outside any exercise: {what}; undone before the next cell, no exercise gained")

    for note in plan.get("notes", []):
        if note.startswith("tampering: "):
            problems.append(f"tampering outside any exercise: {note[len('tampering: '):]}; undone before the next "
                            "cell, "
                            "no exercise gained")
    for exercise_id, reasons in plan.get("tampered", {}).items():
        for why in reasons:
            tampering.append({"exercise": exercise_id, "what": why})
    for k, end in sorted(ends.items()):
        for item in end.get("tampering", []):
            spoil(item.get("exercise"), k, str(item.get("what")))
        for line in end.get("printed_correct", []):
            match = re.match(r"Correct:\s*([\w.]+)", str(line))
            named = match.group(1) if match and match.group(1) in exercises_at else cells[k].get("exercise")
            spoil(named, k, f"{cells[k]['where']} printed {str(line)[:80]!r} without the check saying so")
    for incident in incidents:
        if incident["kind"] == "tamper":
            spoil(cells[incident["cell"]].get("exercise") if 0 <= incident["cell"] < len(cells) else None,
                  incident["cell"], f"{incident['where']} {incident['what']}")
    exercises: dict[str, dict] = {}
    stopped_at = None
    if running and running.stopped:
        stopped_at = running.cell if running.cell is not None else max(ends, default=-1) + 1
    for exercise_id in plan["exercises"]:
        entry: dict[str, Any] = {"score": 0, "status": "", "mistake": None, "message": ""}
        k = exercises_at.get(exercise_id)
        mine = [t["what"] for t in tampering if t["exercise"] == exercise_id]
        end = ends.get(k) if k is not None else None
        verdicts = [v for v in (end or {}).get("verdicts", []) if v.get("exercise") == exercise_id]
        verdict = verdicts[-1] if verdicts else None
        if verdict is not None and not verdict.get("intact", True):
            mine.append("the checks were changed while it was being checked")
        if exercise_id in plan.get("missing", []) or k is None:
            entry.update(status="missing", message="the exercise's cell is not in the submission")
        elif mine:
            entry.update(status="tampered", message="; ".join(dict.fromkeys(mine)))
        elif end is None:
            where = cells[k]["where"]
            if stopped_at is not None and k == stopped_at:
                entry.update(status="timeout" if k in interrupted or "limit" in running.stopped else "not_run",
                             message=f"{where}: {running.stopped}")
            else:
                entry.update(status="not_run", message="the notebook was stopped before this cell"
                             + (f" ({running.stopped})" if running and running.stopped else ""))
        elif verdict is not None:
            if verdict["verdict"] == "correct":
                entry.update(score=1, status="correct")
            elif verdict["verdict"] == "problem":
                entry.update(score=None, status="problem", message=verdict.get("problem", ""))
            else:
                entry.update(status="wrong", mistake=verdict.get("mistake"), message=verdict.get("problem", ""))
        else:
            error = end.get("error")
            if error and error["type"] == "NotImplementedError" and "write your code here" in error["message"]:
                entry.update(status="unanswered", message="not answered")
            elif error and error["type"] == "KeyboardInterrupt" and k in interrupted:
                entry.update(status="timeout", message=f"its cell ran past its limit ({limits.cell_text()})")
            elif _is_memory(error):
                entry.update(status="memory",
                             message=f"ran out of memory ({limits.memory_mib} MiB): {error['message'][:120]}")
            elif error:
                entry.update(status="error", message=f"{error['type']}: {error['message'][:200]}")
            else:
                entry.update(status="not_checked", message="its cell ran, but check() was never reached")
        exercises[exercise_id] = entry
    for k, end in sorted(ends.items()):
        error = end.get("error")
        where = cells[k]["where"] if k < len(cells) else f"cell {k}"
        if k in interrupted and error and error["type"] == "KeyboardInterrupt":
            problems.append(f"{where} did not finish within its limit ({limits.cell_text()}); it was interrupted "
                            "and grading went on")
        elif _is_memory(error):
            problems.append(f"{where} ran out of memory (limit {limits.memory_mib} MiB); grading went on")
    if running and running.stopped:
        known = stopped_at is not None and 0 <= stopped_at < len(cells)
        where = cells[stopped_at]["where"] if known else "the notebook"
        problems.append(f"{where}: {running.stopped}; it was stopped, and the cells after it were not run")
    elif done is None and running is not None:
        problems.append("the notebook's process ended before its last cell (did it call os._exit, or crash?)"
                        + (f": {crash.get('what')}" if crash else ""))
    if done:
        threads, processes = done.get("threads", []), done.get("processes", [])
        if threads or processes:
            parts = [f"{len(processes)} process(es) ({_names(processes)})"] if processes else []
            parts += [f"{len(threads)} thread(s) ({_names(threads)})"] if threads else []
            problems.append(f"left {' and '.join(parts)} running after its last cell; all were stopped")
    by_kind: dict[str, list[dict]] = {}
    for incident in incidents:
        by_kind.setdefault(incident["kind"], []).append(incident)
    for kind, text in (("grader_file", "tried to open the grader's files"),
                       ("write_outside", "tried to write outside its working directory"),
                       ("network", "tried to reach the network")):
        if kind in by_kind:
            items = by_kind[kind]
            problems.append(f"{items[0]['where']} {text} ({', '.join(sorted({i['what'] for i in items})[:3])}); "
                            "refused")
    if "deleted_in_workdir" in by_kind:
        problems.append(f"{by_kind['deleted_in_workdir'][0]['where']} deleted {len(by_kind['deleted_in_workdir'])} "
                        "file(s) in its own working directory (a private copy; nothing else was affected)")
    for exercise_id, entry in exercises.items():
        if entry["status"] == "tampered":
            problems.append(f"{exercise_id}: tampering ({entry['message']}); scored 0")
    if crash:
        problems.append(f"the grader failed on this submission: {crash.get('what')}")
    if all(e["status"] in ("unanswered", "missing") for e in exercises.values()) and exercises:
        problems.append("no exercise is answered (an unfilled learner notebook?)")
    if plan.get("version_mismatch"):
        problems.append(plan["version_mismatch"])
    if expected is None and plan.get("chapter_by") != "its exercises":
        problems.append(f"the chapter was told by {plan.get('chapter_by')}, not by its exercises")
    errors = [{"where": cells[k]["where"], "type": e["error"]["type"], "message": e["error"]["message"][:200]}
              for k, e in sorted(ends.items())
              if e.get("error") and k < len(cells) and cells[k].get("kind") != "exercise"
              and not cells[k].get("raises") and not (k in interrupted or _is_memory(e["error"]))]
    for error in errors:
        if any(c["where"] == error["where"] and c.get("kind") == "given" for c in cells):
            problems.append(f"{error['where']} (given code) failed: {error['type']}: {error['message'][:120]}")
    scores = [e["score"] for e in exercises.values()]
    return {**base, "status": "graded", "reason": "", "chapter": slug, "chapter_number": edition.number,
            "exercises": exercises, "total": sum(s for s in scores if s), "max": len(scores),
            "problems": list(dict.fromkeys(problems)), "notes": plan.get("notes", []) + plan.get("suspicious", []),
            "suspicious": plan.get("suspicious", []), "tampering": tampering, "errors": errors[:20],
            "incidents": incidents[:50]}


# ---------------------------------------------------------------------------------- the run

def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


@dataclass
class Summary:
    results: list[dict]
    reused: int
    graded: int
    seconds: float
    warm_seconds: float
    sandbox: str
    out: Path
    skipped: list[str]


def grade(paths: list[Path], out: Path, chapter: str | None = None, jobs: int | None = None,
          limits: Limits | None = None, ids: Path | None = None, learner_edition: Path | None = None,
          fresh: bool = False, isolation: str = "auto", echo: Callable[[str], None] = print,
          report: bool = True) -> Summary:
    """Grade every submission below ``paths`` into ``out`` (see the module's docstring)."""
    from coursetools import grade_report
    from coursetools.grade_sandbox import kill_strays, launch, probe, set_subreaper, warm_up

    started = time.perf_counter()
    limits = limits or Limits()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    results_dir = out / "results"
    results_dir.mkdir(exist_ok=True)
    submissions, skipped = discover(paths, out)
    identify(submissions, read_ids(ids) if ids else None)
    editions = load_editions(learner_edition)
    expected = None
    if chapter is not None:
        from course_utils.attempts import _chapter_slug

        expected = _chapter_slug(chapter)
        if expected not in editions:
            raise SystemExit(f"error: chapter {chapter!r} has no notebook in notebooks/")
    key_bases: dict[str | None, str] = {}
    course_of: dict[int, str | None] = {}
    results: dict[int, dict] = {}
    pending: list[tuple[int, Submission, str, Path]] = []
    reused = 0
    for index, sub in enumerate(submissions):
        try:
            content = sub.path.read_bytes()
        except OSError as exc:
            why = f"could not be read ({exc.strerror or exc})"
            results[index] = assemble(sub, None, editions, limits, expected, why)
            continue
        try:  # what needs no execution is settled here (the child reads the file again, in its sandbox)
            _, slug, _, why = screen(content, editions, sub.path.name, expected)
        except Exception:  # noqa: BLE001 - anything odd is left to the sandboxed child
            slug, why = None, ""
        if slug not in key_bases:
            key_bases[slug] = course_fingerprint(editions, limits, slug)
        key = hashlib.sha256(key_bases[slug].encode() + sub.name.encode() + content).hexdigest()
        target = result_path(results_dir, sub, key)
        earlier = re.compile(re.escape(_safe_name(sub)) + r"-[0-9a-f]{12}\.json$")
        for stale in results_dir.iterdir():
            if stale != target and earlier.match(stale.name):
                stale.unlink(missing_ok=True)  # an earlier version of this file (or of the course): no longer holds
        if target.is_file() and not fresh:
            try:
                data = json.loads(target.read_text(encoding="utf-8"))
                graded = data.get("status") == "graded"
                usable = data.get("version") == RESULT_VERSION and data.get("key") == key and (
                    (graded and expected in (None, data.get("chapter"))) or
                    (not graded and data.get("graded_for") == expected))
                if usable:
                    data["identity"], data["learner"] = sub.identity, sub.identity.get("learner", "")
                    results[index] = data
                    reused += 1
                    continue
            except (OSError, ValueError):
                pass
        if why:
            result = assemble(sub, None, editions, limits, expected, why)
            result.update(key=key, course=key_bases[slug][:16], graded_for=expected, chapter=slug or "",
                          chapter_number=editions[slug].number if slug in editions else "")
            results[index] = result
            _write_json(target, result)
            continue
        course_of[index] = slug
        pending.append((index, sub, key, target))

    def publish() -> None:
        ordered = [results[i] for i in sorted(results)]
        grade_report.write_tables(ordered, editions, out)

    warm_seconds = 0.0
    mode = "none needed"
    if pending:
        protected = sorted({str(out.resolve())} | {str(s.root) for s in submissions if s.root} |
                           {str(s.path.resolve()) for s in submissions if not s.root})
        work_root = out / ".work"  # the working folders of the process sandbox; a crash leaves them for the next run
        shutil.rmtree(work_root, ignore_errors=True)
        work_root.mkdir()
        os.chmod(work_root, 0o711)
        sandbox = probe(protected, isolation)
        mode = sandbox.mode
        set_subreaper()
        jobs = max(1, jobs or len(sandbox.cores) or os.cpu_count() or 1)
        echo(f"Grading {len(pending)} submission(s) on {jobs} core(s); sandbox: {sandbox.describe()}; "
             f"limits: {limits.describe()}." + (f" Reusing {reused} already graded." if reused else ""))
        warm_seconds = warm_up()
        queue = list(pending)
        running: dict[int, tuple[Running, int, Submission, str, Path]] = {}
        free_slots = list(range(jobs))
        selector = selectors.DefaultSelector()
        done_count = 0
        try:
            while queue or running:
                while queue and free_slots:
                    index, sub, key, target = queue.pop(0)
                    slot = free_slots.pop(0)
                    workdir = None
                    if sandbox.mode != "namespaces":
                        workdir = work_root / f"w{index}"
                        workdir.mkdir(mode=0o700)
                    job = Job(index, sub.path, sub.name, expected, workdir)
                    handle = launch(job, slot, limits, sandbox, editions)
                    running[handle.fd] = (handle, slot, sub, key, target)
                    selector.register(handle.fd, selectors.EVENT_READ)
                now = time.monotonic()
                timeout = max(0.05, min((r[0].next_deadline(limits) for r in running.values()), default=now + 1) - now)
                for key_event, _ in selector.select(timeout=min(timeout, 1.0)):
                    handle, slot, sub, key, target = running[key_event.fd]
                    if handle.feed():
                        continue
                    selector.unregister(handle.fd)
                    os.close(handle.fd)
                    del running[key_event.fd]
                    try:
                        _, status = os.waitpid(handle.pid, 0)
                        handle.status = status
                    except ChildProcessError:
                        pass
                    kill_strays({r[0].pid for r in running.values()})
                    result = assemble(sub, handle, editions, limits, expected)
                    result.update(key=key, course=key_bases[course_of[handle.job.index]][:16], graded_for=expected,
                                  sandbox=sandbox.mode, started=handle.wall_started, finished=time.time())
                    _write_json(target, result)
                    results[handle.job.index] = result
                    free_slots.append(slot)
                    if handle.job.workdir is not None:
                        shutil.rmtree(handle.job.workdir, ignore_errors=True)
                    done_count += 1
                    publish()
                    echo(_progress_line(done_count, len(pending), result))
                now = time.monotonic()
                for handle, *_ in list(running.values()):
                    handle.check_deadlines(limits, now)
        finally:
            for handle, *_ in running.values():
                handle.kill("the grader was stopped")
            shutil.rmtree(work_root, ignore_errors=True)
    ordered = [results[i] for i in sorted(results)]
    grade_report.write_tables(ordered, editions, out)
    if report:
        grade_report.write_report(ordered, editions, out, limits=limits, sandbox=mode, skipped=skipped)
    return Summary(ordered, reused, len(pending), time.perf_counter() - started, warm_seconds, mode, out, skipped)


def _progress_line(done: int, total: int, result: dict) -> str:
    who = result.get("learner") or result["file"]
    if result["status"] != "graded":
        return f"[{done}/{total}] {result['file']}: not graded: {result['reason']}"
    flags = f"; {len(result['problems'])} problem(s)" if result["problems"] else ""
    return (f"[{done}/{total}] {who} ({result['chapter_number']} {result['chapter']}): "
            f"{result['total']}/{result['max']}{flags} in {result['seconds']:.1f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="./course grade", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("submissions", nargs="+", type=Path, help="notebooks, or folders holding them")
    parser.add_argument("--out", type=Path, required=True, help="folder for the gradebook, report and results")
    parser.add_argument("--chapter", help="grade only this chapter (04 or gradients_accumulate); others are reported")
    parser.add_argument("--ids", type=Path,
                        help="CSV with the columns file and learner (and any others): who wrote which file")
    parser.add_argument("--jobs", type=int, help="submissions graded at once (default: the cores available)")
    parser.add_argument("--cell-timeout", type=float, default=Limits.cell_timeout,
                        help="seconds of CPU time a cell may use (%(default)s; five times that if it only waits)")
    parser.add_argument("--timeout", type=float, default=Limits.notebook_timeout,
                        help="seconds a whole notebook may run (%(default)s)")
    parser.add_argument("--memory", type=int, default=Limits.memory_mib,
                        help="MiB of memory a submission may use (%(default)s)")
    parser.add_argument("--learner-edition", type=Path, help="folder of the learner notebooks the class was given "
                                                            "(default: built now from notebooks/)")
    parser.add_argument("--fresh", action="store_true", help="grade again even what was graded before")
    parser.add_argument("--isolation", choices=("auto", "namespaces", "process"), default="auto",
                        help="namespaces (Linux, root) or process; auto takes the strongest available")
    args = parser.parse_args(argv)
    limits = Limits(cell_timeout=args.cell_timeout, notebook_timeout=args.timeout, memory_mib=args.memory)
    try:
        summary = grade(args.submissions, args.out, chapter=args.chapter, jobs=args.jobs, limits=limits, ids=args.ids,
                        learner_edition=args.learner_edition, fresh=args.fresh, isolation=args.isolation)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    graded = [r for r in summary.results if r["status"] == "graded"]
    for line in summary.skipped:
        print(f"note: {line}")
    refused = len(summary.results) - len(graded)
    print(f"{len(summary.results)} submission(s): {len(graded)} graded, {refused} could not be "
          f"graded; {summary.reused} reused from an earlier run. {summary.seconds:.1f} s in all"
          + (f" ({summary.warm_seconds:.1f} s of it warming up)." if summary.warm_seconds else "."))
    print(f"Wrote {summary.out / 'gradebook.csv'}, {summary.out / 'gradebook_canvas.csv'}, "
          f"{summary.out / 'misconceptions.csv'} and {summary.out / 'report.html'}.")
    return 0 if summary.results else 1


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # everything is written; skip tearing down torch and matplotlib at exit (seconds on a busy machine)
