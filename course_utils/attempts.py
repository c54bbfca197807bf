"""Your progress: every ``check()`` attempt, recorded on this machine only.

Every call of ``check`` appends one line to a local file: the exercise id, the verdict
(``correct``, ``wrong`` or ``problem``), the recognised mistake if any, the hint level
reached and the time. Nothing is sent anywhere. :func:`show_progress` (``course_utils.progress()``
in a notebook, ``./course progress`` in a terminal) reads it back.

Where the file lives (:func:`progress_file`), first match wins:

1. ``$COURSE_PROGRESS_FILE``, when set; ``off`` (or an empty value) records nothing.
   ``./course grade`` sets it; the tests and ``./course execute`` record nothing either (they run
   with ``coursetools.notebooks.KERNEL_ENV``), so that they never write into anyone's home.
2. In Colab: ``/content/.autograd-hands-on/attempts.jsonl``, on the session's own disk (it goes
   when the runtime is recycled, like the notebook's other files there).
3. Elsewhere: ``$XDG_DATA_HOME/autograd-hands-on/attempts.jsonl``, by default
   ``~/.local/share/autograd-hands-on/attempts.jsonl``.

The file is JSON Lines. Each attempt is written with one ``write`` on a descriptor opened for
appending, under an exclusive lock, so two kernels checking at the same moment lose nothing and
never mix their lines. A damaged file (a line that is not a record, bytes that are not text, a
line cut short) is reported once, moved aside as ``attempts.jsonl.damaged-<time>``, and replaced
by the records that could still be read; no ``check`` and no progress view ever fails because
of it.

>>> import os, tempfile
>>> from unittest import mock
>>> with mock.patch.dict(os.environ, {"COURSE_PROGRESS_FILE": os.path.join(tempfile.mkdtemp(), "attempts.jsonl")}):
...     record_attempt("first_gradients.perceptron_by_hand", "wrong", "sign_flipped", 1)
...     record_attempt("first_gradients.perceptron_by_hand", "correct", None, 0)
...     [a["verdict"] for a in read_attempts()]
['wrong', 'correct']
"""
from __future__ import annotations

import datetime as _dt
import html
import json
import os
import re
import sys
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

try:  # POSIX; on Windows appends still go through one O_APPEND write each
    import fcntl
except ImportError:  # pragma: no cover - not on the platforms the course supports
    fcntl = None  # type: ignore[assignment]

ENV_VAR = "COURSE_PROGRESS_FILE"
APP_DIR = "autograd-hands-on"
FILE_NAME = "attempts.jsonl"
VERDICTS = ("correct", "wrong", "problem")
RECORD_VERSION = 1

_last_exercise: str | None = None      # the exercise checked last in this kernel (to guess the chapter)
_warned: set[str] = set()              # one warning per problem and process, not one per check


def progress_file() -> Path | None:
    """The file attempts go to, or None when recording is off (``COURSE_PROGRESS_FILE=off``).

    >>> from unittest import mock
    >>> with mock.patch.dict(os.environ, {"COURSE_PROGRESS_FILE": "off"}):
    ...     progress_file() is None
    True
    """
    if ENV_VAR in os.environ:
        value = os.environ[ENV_VAR].strip()
        if value.lower() in {"", "off", "0", "no", "none"}:
            return None
        try:
            return Path(value).expanduser()
        except RuntimeError as exc:  # "~nobody/attempts.jsonl": a home folder that cannot be found
            _warn_once(f"home:{value}", f"your progress is not recorded: {ENV_VAR}={value!r} names a home folder "
                       f"that cannot be found ({exc}). Checks work as before; set {ENV_VAR} to a writable file "
                       "(or to 'off').")
            return None
    if "google.colab" in sys.modules or Path("/content").is_dir() and os.environ.get("COLAB_RELEASE_TAG"):
        return Path("/content") / f".{APP_DIR}" / FILE_NAME
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / APP_DIR / FILE_NAME


def _warn_once(key: str, message: str) -> None:
    if key not in _warned:
        _warned.add(key)
        warnings.warn(message, RuntimeWarning, stacklevel=3)


@contextmanager
def _locked(path: Path, mode: str) -> Iterator[int]:
    """An fd of ``path`` (``a``: append, creating it; ``r``: read) under an flock.

    It is opened again if the file was replaced (set aside, reset) while this process waited for the lock.
    """
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT if mode == "a" else os.O_RDONLY
    lock = 0 if fcntl is None else fcntl.LOCK_EX if mode == "a" else fcntl.LOCK_SH
    for _ in range(20):
        fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0), 0o600)
        try:
            if fcntl:
                fcntl.flock(fd, lock)
                try:  # the file was set aside (or reset) while we waited: lock the new one instead
                    same = os.fstat(fd).st_ino == os.stat(path).st_ino
                except FileNotFoundError:
                    same = False
                if not same:
                    os.close(fd)
                    continue
            yield fd
            return
        finally:
            try:
                os.close(fd)
            except OSError:
                pass
    raise OSError(f"{path} kept changing while it was being opened")


def record_attempt(exercise_id: str, verdict: str, mistake: str | None, level: int) -> None:
    """Append one attempt to :func:`progress_file` (called by every ``check``); never raises."""
    global _last_exercise
    _last_exercise = exercise_id
    path = progress_file()
    if path is None:
        return None
    record = {"v": RECORD_VERSION, "time": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
              "exercise": str(exercise_id), "verdict": verdict if verdict in VERDICTS else "problem",
              "mistake": mistake if isinstance(mistake, str) else None, "level": int(level)}
    line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with _locked(path, "a") as fd:
            os.write(fd, line)
    except OSError as exc:
        _warn_once(f"write:{path}", f"your progress could not be recorded in {path} ({exc.strerror or exc}). "
                   f"Checks work as before; set {ENV_VAR} to a writable file (or to 'off') to record elsewhere.")
    return None


@dataclass
class _Read:
    attempts: list[dict] = field(default_factory=list)
    damaged: list[str] = field(default_factory=list)   # what was wrong, line by line (at most a few)
    set_aside: Path | None = None


def _valid(record: Any) -> bool:
    return (isinstance(record, dict) and isinstance(record.get("exercise"), str)
            and record.get("verdict") in VERDICTS and isinstance(record.get("time"), str)
            and isinstance(record.get("level", 0), int) and (record.get("mistake") is None
                                                            or isinstance(record.get("mistake"), str)))


def _parse(data: bytes) -> _Read:
    result = _Read()
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    elif lines:
        result.damaged.append(f"line {len(lines)} is cut short")
    for number, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            record = None
        if _valid(record):
            result.attempts.append(record)
        elif not (number == len(lines) and result.damaged):
            result.damaged.append(f"line {number} is not an attempt record")
    return result


def _set_aside(path: Path, data: bytes, kept: list[dict]) -> Path:
    """Move the damaged file away and write the readable records to a fresh one (caller holds the lock)."""
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    aside = path.with_name(f"{path.name}.damaged-{stamp}")
    n = 1
    while aside.exists():
        n += 1
        aside = path.with_name(f"{path.name}.damaged-{stamp}-{n}")
    fresh = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fresh.write_bytes(b"".join((json.dumps(r, ensure_ascii=False) + "\n").encode("utf-8") for r in kept))
    os.replace(path, aside)
    os.replace(fresh, path)
    return aside


def _read(path: Path | None) -> _Read:
    """Every readable attempt; a damaged file is set aside (under the lock) and reported, never raised."""
    if path is None or not path.exists():
        return _Read()
    try:
        if not path.is_file():
            return _Read(damaged=[f"{path} is not a file"])
        with _locked(path, "r") as fd:
            data = _read_all(fd)
        result = _parse(data)
        if result.damaged:
            with _locked(path, "a"):  # exclusive now; read again, someone may have appended
                with open(path, "rb") as handle:
                    data = handle.read()
                result = _parse(data)
                if result.damaged:
                    result.set_aside = _set_aside(path, data, result.attempts)
    except OSError as exc:
        return _Read(damaged=[f"{path} could not be read ({exc.strerror or exc})"])
    if result.damaged:
        where = f"; it was moved to {result.set_aside}" if result.set_aside else ""
        _warn_once(f"damaged:{path}", f"your progress file {path} was damaged ({result.damaged[0]}){where}. "
                   f"{len(result.attempts)} readable attempt(s) were kept.")
    return result


def _read_all(fd: int) -> bytes:
    chunks: list[bytes] = []
    while True:
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def read_attempts() -> list[dict]:
    """Every attempt recorded in :func:`progress_file`, oldest first (a damaged file is set aside first)."""
    return _read(progress_file()).attempts


def reset(chapter: str | int | None = None) -> int:
    """Forget your attempts: all of them, or one chapter's (``reset("04")``); returns how many were removed.

    The hints of the current kernel start again at level 1 as well.
    """
    from course_utils.checks.feedback import reset_attempts

    path = progress_file()
    slug = None if chapter is None else _chapter_slug(chapter)
    removed = 0
    if path is not None and path.exists():
        with _locked(path, "a"):
            with open(path, "rb") as handle:
                attempts = _parse(handle.read()).attempts
            kept = [a for a in attempts if slug is not None and a["exercise"].partition(".")[0] != slug]
            removed = len(attempts) - len(kept)
            fresh = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            fresh.write_bytes(b"".join((json.dumps(r, ensure_ascii=False) + "\n").encode("utf-8") for r in kept))
            os.replace(fresh, path)
    for exercise_id in [e for e in _exercises() if slug is None or e.partition(".")[0] == slug]:
        reset_attempts(exercise_id)
    return removed


# ---------------------------------------------------------------------------------- what to show

@dataclass(frozen=True)
class Chapter:
    number: str          # "04"
    slug: str            # "gradients_accumulate"
    title: str           # "Gradients accumulate"
    exercises: tuple[str, ...]


def _exercises() -> dict[str, Any]:
    from course_utils.checks.registry import EXERCISES, load_all

    load_all()
    return EXERCISES


def chapters() -> list[Chapter]:
    """The course's chapters in order, each with its exercises (from the exercise modules).

    >>> chapters()[0].number, chapters()[0].slug
    ('01', 'first_gradients')
    """
    import importlib

    by_slug: dict[str, list[str]] = {}
    for exercise_id, exercise in _exercises().items():
        by_slug.setdefault(exercise.chapter or exercise_id.partition(".")[0], []).append(exercise_id)
    result = []
    for slug, ids in by_slug.items():
        try:
            doc = importlib.import_module(f"course_utils.exercises.{slug}").__doc__ or ""
        except ImportError:
            doc = ""
        match = re.search(r"chapter (\d+), (.+?)\.?\s*$", doc.strip().splitlines()[0] if doc.strip() else "")
        number, title = (match.group(1).zfill(2), match.group(2)) if match else ("??", slug.replace("_", " "))
        result.append(Chapter(number, slug, title, tuple(ids)))
    return sorted(result, key=lambda c: (c.number, c.slug))


def _chapter_slug(chapter: str | int) -> str:
    """The slug of a chapter given as a number (4, "04"), a slug, or a notebook name (04_gradients_accumulate)."""
    text = Path(str(chapter)).name.removesuffix(".ipynb").strip()
    known = chapters()
    for c in known:
        if text in (c.slug, c.number, f"{c.number}_{c.slug}") or (text.isdigit() and int(text) == int(c.number)):
            return c.slug
    match = re.match(r"^\d\d_(\w+)$", text)
    if match and any(c.slug == match.group(1) for c in known):
        return match.group(1)
    names = ", ".join(f"{c.number} ({c.slug})" for c in known)
    raise ValueError(f"no chapter {chapter!r}; the chapters are {names}")


def _notebook_chapter() -> tuple[str | None, str]:
    """The chapter of the notebook this kernel runs, and how that was found out."""
    candidates = []
    session = os.environ.get("JPY_SESSION_NAME")  # set by Jupyter Server for the kernel of a notebook
    if session:
        candidates.append((session, "this notebook's name"))
    try:
        from IPython import get_ipython

        shell = get_ipython()
        vscode = shell.user_ns.get("__vsc_ipynb_file__") if shell is not None else None  # VS Code's notebooks
        if vscode:
            candidates.append((str(vscode), "this notebook's name"))
    except ImportError:  # pragma: no cover - IPython comes with every notebook
        pass
    for name, how in candidates:
        match = re.match(r"^(\d\d)_(\w+)\.ipynb$", Path(name).name)
        if match:
            try:
                return _chapter_slug(match.group(1) + "_" + match.group(2)), how
            except ValueError:
                continue
    if _last_exercise:
        return _last_exercise.partition(".")[0], "the exercise you checked last in this kernel"
    return None, ""


@dataclass
class Progress:
    """What :func:`show_progress` returns: shown as a table in a notebook, as text elsewhere."""

    chapters: list[Chapter]
    attempts: list[dict]
    scope: str                  # how the chapter was chosen, or "" for the whole course
    path: Path | None
    notice: str = ""

    def _rows(self, chapter: Chapter) -> list[tuple[str, str, str]]:
        exercises = _exercises()
        rows = []
        for exercise_id in chapter.exercises:
            mine = [a for a in self.attempts if a["exercise"] == exercise_id]
            title = getattr(exercises.get(exercise_id), "title", "")
            tries = len(mine)
            if any(a["verdict"] == "correct" for a in mine):
                first = next(i for i, a in enumerate(mine, 1) if a["verdict"] == "correct")
                status = "passed" + (f" (on try {first})" if first > 1 else "")
                mark = "✓"
            elif tries:
                last = next((a["mistake"] for a in reversed(mine) if a.get("mistake")), None)
                status = f"tried {tries} time{'s' if tries > 1 else ''}, not passed yet"
                status += f" (last: {last})" if last else ""
                mark = "…"
            else:
                status, mark = "not tried", "·"
            rows.append((mark, f"{exercise_id.partition('.')[2]}: {title}", status))
        return rows

    def passed(self, chapter: Chapter) -> int:
        return sum(1 for exercise_id in chapter.exercises
                   if any(a["exercise"] == exercise_id and a["verdict"] == "correct" for a in self.attempts))

    def _heading(self) -> str:
        if len(self.chapters) == 1:
            c = self.chapters[0]
            scope = f" (chosen from {self.scope})" if self.scope else ""
            return f"Your progress in chapter {c.number} · {c.title}{scope}"
        done = sum(self.passed(c) for c in self.chapters)
        total = sum(len(c.exercises) for c in self.chapters)
        return f"Your progress over the whole course: {done} of {total} exercises passed"

    def _footer(self) -> list[str]:
        if self.path is None:
            where = f"Recording is off ({ENV_VAR}=off), so nothing is recorded."
        else:
            where = f"Recorded on this machine only, in {self.path}; nothing is sent anywhere."
        reset_how = ("To start again: course_utils.attempts.reset() in a notebook, or ./course progress --reset "
                     "in a terminal (one chapter: reset(\"04\"), or --reset 04).")
        return [line for line in (self.notice, where, reset_how) if line]

    def __repr__(self) -> str:
        lines = [self._heading()]
        for c in self.chapters:
            if len(self.chapters) > 1:
                lines.append(f"{c.number} · {c.title}: {self.passed(c)} of {len(c.exercises)} passed")
            for mark, what, status in self._rows(c):
                lines.append(f"  {mark} {what}: {status}")
            if len(self.chapters) == 1:
                lines.append(f"{self.passed(c)} of {len(c.exercises)} passed.")
        return "\n".join(lines + self._footer())

    __str__ = __repr__

    def _repr_html_(self) -> str:
        e = html.escape
        parts = [f"<div class='course-progress'><p><strong>{e(self._heading())}</strong></p>"]
        for c in self.chapters:
            if len(self.chapters) > 1:
                parts.append(f"<p>{e(c.number)} · {e(c.title)}: {self.passed(c)} of {len(c.exercises)} passed</p>")
            parts.append("<table><tbody>" + "".join(
                f"<tr><td>{e(mark)}</td><td>{e(what)}</td><td>{e(status)}</td></tr>"
                for mark, what, status in self._rows(c))
                + "</tbody></table>")
        parts += [f"<p><small>{e(line)}</small></p>" for line in self._footer()]
        return "".join(parts) + "</div>"


def show_progress(chapter: str | int | None = None) -> Progress:
    """Your exercises with their status: of ``chapter``, of this notebook's chapter, or of the whole course (``"all"``).

    Without an argument, in a notebook, the chapter is the notebook's own (from its file name,
    which Jupyter and VS Code give the kernel), else that of the exercise you checked last in this
    kernel; where neither is known (a terminal, a fresh Colab kernel), the whole course.

    >>> from unittest import mock
    >>> with mock.patch.dict(os.environ, {"COURSE_PROGRESS_FILE": "off"}):
    ...     print(show_progress("01"))  # doctest: +ELLIPSIS
    Your progress in chapter 01 · First gradients
      · ...: not tried
    ...
    Recording is off (COURSE_PROGRESS_FILE=off), so nothing is recorded.
    To start again: ...
    """
    path = progress_file()
    read = _read(path)
    notice = ""
    if read.damaged:
        notice = (f"Note: the progress file was damaged ({read.damaged[0]})"
                  + (f"; it was moved to {read.set_aside}" if read.set_aside else "")
                  + f" and {len(read.attempts)} readable attempt(s) were kept.")
    known = chapters()
    scope = ""
    if chapter is None:
        slug, scope = _notebook_chapter()
    elif str(chapter).lower() == "all":
        slug = None
    else:
        slug = _chapter_slug(chapter)
    shown = [c for c in known if c.slug == slug] if slug else known
    return Progress(shown or known, read.attempts, scope if shown else "", path, notice)
