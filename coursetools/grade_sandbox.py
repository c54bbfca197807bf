"""One submission, run in a sandbox: a fresh process forked from a warmed one, isolated as the platform allows.

Why forked: a fresh kernel spends about 4 s starting and importing torch before the first cell of
any chapter; the grader pays that once. :func:`warm_up` imports what the chapters need (torch,
NumPy, matplotlib, IPython, the checks) and touches torch's lazy first-use costs (the first
optimizer, ``backward(gradient)``, ``torch.func``, the first figure) in the grading process,
which never runs learner code. Each submission then runs in its own process, forked from that
warmed one: a copy that starts where the imports end, shares nothing writable with the others,
and disappears with everything it started when the submission is done.

What the sandbox does, on Linux as root (``isolation: namespaces``):

- new mount, PID, network, IPC and UTS namespaces: the submission sees only its own processes (a
  fresh ``/proc``), only a loopback network (``lo``, so the DDP chapter works; nothing beyond the
  machine), a private ``/tmp`` and ``/dev/shm`` (size-limited tmpfs), its own working directory
  ``/tmp/work`` (holding a copy of the submission), the grader's output folder and every
  submission folder hidden under empty read-only mounts, and every other file system read-only;
- its own user id (``uid_base`` + slot, no supplementary groups, ``no_new_privs``), so it cannot
  undo any of that, read root-only files, or signal the grader;
- limits: address space (memory), CPU time, file size, number of processes; one CPU core per slot,
  so a runaway process slows only its own submission;
- every process it started is killed when it ends (the PID namespace dies with its first process).

Everywhere (also ``isolation: process``, the fallback without namespaces or root): its own
session and working directory, the limits, a minimal environment (no tokens or proxies of the
instructor), and a Python audit hook that cannot be removed which refuses to open the grader's
files, to write outside the working directory, or to connect to anything but the loopback,
and records every such attempt for the report. The grader marks itself as the subreaper of all
processes a submission starts, and kills those left over.

What it cannot do: Python code runs in the same process as the checks, so a submission that knows
the grader's internals can, in principle, forge a verdict (by editing memory with ``ctypes``, or
writing to the result pipe). The known ways of giving oneself credit are detected at the moment of
each check and after each cell (see :class:`Fingerprint` and ``coursetools.grade_notebook.scan``),
and the constructs such a forgery needs (ctypes, frame introspection, raw file descriptors) are
reported for a human to look at. Time spent in C code that ignores signals is ended by SIGKILL.
"""
from __future__ import annotations

import builtins
import ctypes
import errno
import io
import json
import os
import re
import resource
import signal
import sys
import threading
import time
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWPID, CLONE_NEWNET = 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_CHILD_SUBREAPER, PR_SET_NO_NEW_PRIVS = 1, 4, 36, 38
WORKDIR_IN_NAMESPACE = "/tmp/work"
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
CORRECT_LINE = re.compile(r"Correct:\s*[A-Za-z_]\w*\.\w+")  # the check's own line names chapter.exercise
TAGS = re.compile(r"<[^>]+>")


@dataclass
class Limits:
    """What one submission may use. Times in seconds, sizes in MiB."""

    cell_timeout: float = 60.0
    notebook_timeout: float = 600.0
    memory_mib: int = 2048        # address space on top of what the warmed process already maps
    processes: int = 256          # tasks (processes and threads) of the submission's own user
    disk_mib: int = 512           # its private /tmp (namespaces) and any one file it writes
    grace: float = 3.0            # after an interrupt, how long a cell may take to stop before SIGKILL
    wall_factor: float = 5.0      # a cell that waits (sleeps, blocks) may take this many times cell_timeout

    def cell_text(self) -> str:
        """The per-cell limit in words: CPU time, so that a busy machine does not fail an honest cell."""
        return f"{self.cell_timeout:g} s of computing, or {self.wall_factor * self.cell_timeout:g} s of waiting"

    def describe(self) -> str:
        return (f"{self.cell_text()} a cell, {self.notebook_timeout:g} s a notebook, "
                f"{self.memory_mib} MiB of memory, {self.processes} processes and threads, {self.disk_mib} MiB of disk")


@dataclass
class Job:
    """One submission to grade: what the child needs, known before the fork."""

    index: int
    path: Path
    name: str                       # the path as the report shows it
    expected_chapter: str | None    # --chapter, if given
    workdir: Path | None = None     # the host working directory (process isolation only)


@dataclass
class Sandbox:
    """How submissions are isolated on this machine (decided once by :func:`probe`)."""

    mode: str                       # "namespaces" or "process"
    drop_privileges: bool           # runs as its own user id (needs root)
    uid_base: int = 61000
    protected: list[str] = field(default_factory=list)   # paths a submission must not see
    cores: list[int] = field(default_factory=list)

    def describe(self) -> str:
        if self.mode == "namespaces":
            return ("namespaces: own mount, PID, network (loopback only), IPC and UTS namespaces; own user id; "
                    "other file systems read-only; grader's files hidden")
        return ("process: own session, working directory and limits; audit hook against the grader's files, "
                "writes outside its folder and the network" + ("; own user id" if self.drop_privileges else ""))


_libc: Any = None


def libc() -> Any:
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
    return _libc


def _call(name: str, *args: Any) -> None:
    if getattr(libc(), name)(*args) != 0:
        number = ctypes.get_errno()
        raise OSError(number, f"{name}: {os.strerror(number)}")


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    enc = lambda s: None if s is None else s.encode()  # noqa: E731
    _call("mount", enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data))


def _prctl(option: int, value: int) -> None:
    try:
        libc().prctl(option, ctypes.c_ulong(value), 0, 0, 0)
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        pass


def probe(protected: list[str], requested: str = "auto") -> Sandbox:
    """The strongest isolation this machine allows: namespaces when run as root on Linux, else process."""
    if not hasattr(os, "fork"):
        raise RuntimeError("./course grade needs Linux or macOS (it forks a process for each submission)")
    root = hasattr(os, "geteuid") and os.geteuid() == 0
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if requested in ("auto", "namespaces") and root and sys.platform.startswith("linux"):
        pid = os.fork()
        if pid == 0:  # try it in a throwaway child
            try:
                _call("unshare", CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS)
                _mount(None, "/", None, MS_REC | MS_PRIVATE)
                _mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "size=1m")
                os._exit(0)
            except BaseException:
                os._exit(1)
        _, status = os.waitpid(pid, 0)
        if os.waitstatus_to_exitcode(status) == 0:
            return Sandbox("namespaces", True, protected=protected, cores=cores)
        if requested == "namespaces":
            raise RuntimeError("namespaces were asked for, but this machine does not allow them (is this a container "
                               "without CAP_SYS_ADMIN?); use --isolation process")
    can_switch = root and hasattr(os, "setresuid") and traversable(61000)
    return Sandbox("process", can_switch, protected=protected, cores=cores)


# ---------------------------------------------------------------------------------- the warm parent

WARMED: dict[str, float] = {}


def warm_up() -> float:
    """Import what every chapter needs and pay torch's first-use costs here, once; return the seconds spent."""
    if WARMED:
        return 0.0
    start = time.perf_counter()
    os.environ.setdefault("MPLBACKEND", "Agg")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy  # noqa: F401
    import torch

    torch.set_num_threads(1)  # as OMP_NUM_THREADS=1 in every kernel of the course; no thread pool to fork
    # CUDA is never touched here: a CUDA context does not survive fork, so each submission makes its own.
    import IPython.core.displaypub  # noqa: F401
    import IPython.core.interactiveshell  # noqa: F401
    import IPython.core.inputtransformer2  # noqa: F401

    import course_utils
    import course_utils.checks  # noqa: F401  (loads every chapter's exercise module)
    for name in ("attempts", "plots", "graph", "data", "finite_differences", "errors", "cell_notes", "session"):
        try:
            __import__(f"course_utils.{name}")
        except ImportError:
            pass
    w = torch.ones(2, requires_grad=True)
    optimizer = torch.optim.SGD([w], lr=0.1, momentum=0.9, weight_decay=0.1)   # imports torch._dynamo
    (w * w).sum().backward()
    optimizer.step()
    optimizer.zero_grad()
    (w * w).backward(torch.ones(2))                                               # sympy, on first use
    torch.optim.Adam([w], lr=0.1)
    try:
        import torch.func

        torch.func.grad(lambda x: (x * x).sum())(torch.ones(2))
    except Exception:  # an older torch: nothing to warm
        pass
    figure = plt.figure()
    figure.canvas.draw()
    plt.close(figure)
    Fingerprint()  # its first look touches lazy attributes; later ones (in the children) take milliseconds
    del course_utils
    WARMED["seconds"] = time.perf_counter() - start
    return WARMED["seconds"]


# ---------------------------------------------------------------------------------- integrity

_MISSING = object()
_SKIP_KEYS = {"__builtins__", "__loader__", "__spec__", "__cached__", "__file__", "__doc__", "__dict__",
              "__weakref__", "__annotations__"}


def _checked_modules() -> list[types.ModuleType]:
    return [m for name, m in sorted(sys.modules.items()) if m is not None and
            name.startswith(("course_utils.checks", "course_utils.exercises"))]


# IPython puts these into builtins while a cell runs, and the display hook sets ``_``.
_VOLATILE_BUILTINS = {"exit", "quit", "get_ipython", "display", "_", "__", "___", "__IPYTHON__", "help",
                      "copyright", "credits", "license"}


class Fingerprint:
    """What the checks are made of, taken before any learner code runs; :meth:`changes` lists what differs.

    It holds a reference to every object the verdicts depend on and compares identities, so that a
    look costs about a millisecond: every global of ``course_utils.checks`` and its submodules and of
    the chapters' exercise modules, the methods of their classes, each function's code, defaults and
    closure, every registered exercise and every field of it (the items of its lists too: mistakes,
    cases), ``course_utils.check``, the grader's own classes, and the names of ``builtins``, ``torch``,
    ``torch.autograd``, ``torch.nn.functional``, ``torch.optim``, ``torch.Tensor`` and ``numpy`` (a
    replaced function there could make a reference answer agree with a wrong one). A key added to a
    module, class or exercise of the checks counts as a change too (``exercise.validate = ...``).
    """

    THIRD_PARTY = ("builtins", "torch", "torch.autograd", "torch.nn.functional", "torch.optim", "numpy", "math")

    def __init__(self) -> None:
        import course_utils
        from course_utils.checks.registry import EXERCISES

        self.probes: list[tuple[str, Any, Any, Any]] = []     # (label, mapping, key, object it held)
        self.attrs: list[tuple[str, Any, str, Any]] = []      # (label, object, attribute, object it held)
        self.sizes: list[tuple[str, Any, int, list]] = []     # (label, mapping, number of keys, the keys)
        self.third: list[tuple[str, Any, list[tuple[str, Any]]]] = []
        for module in _checked_modules():
            self._mapping(module.__name__, vars(module), functions=True, classes_of=module.__name__)
            self.probes.append((f"sys.modules[{module.__name__!r}]", sys.modules, module.__name__, module))
        self.probes.append(("course_utils.check", vars(course_utils), "check", vars(course_utils).get("check")))
        self._function("course_utils.check", vars(course_utils).get("check"))
        self._mapping("EXERCISES", EXERCISES, functions=False)
        for exercise_id, exercise in list(EXERCISES.items()):
            self._mapping(f"EXERCISES[{exercise_id!r}]", vars(exercise), functions=True, depth=1)
        for cls in (GraderHook, Fingerprint, Channel, Capture):
            self._mapping(f"grader {cls.__name__}", _ClassDict(cls), functions=True)
        for name in self.THIRD_PARTY:
            module = sys.modules.get(name)
            if module is not None:
                items = [(k, v) for k, v in list(vars(module).items())
                         if name != "builtins" or k not in _VOLATILE_BUILTINS]
                self.third.append((name, vars(module), items))
        torch = sys.modules.get("torch")
        if torch is not None:
            self.third.append(("torch.Tensor", _ClassDict(torch.Tensor), list(vars(torch.Tensor).items())))  # type: ignore[arg-type]

    def _function(self, label: str, value: Any) -> None:
        if isinstance(value, (staticmethod, classmethod)):
            value = value.__func__
        if isinstance(value, property):
            for part in ("fget", "fset"):
                self._function(f"{label}.{part}", getattr(value, part))
            return
        wrapped = getattr(value, "__wrapped__", None)  # functools.lru_cache and friends
        if isinstance(wrapped, types.FunctionType):
            self.attrs.append((f"{label}.__wrapped__", value, "__wrapped__", wrapped))
            value = wrapped
        if not isinstance(value, types.FunctionType):
            return
        for attr in ("__code__", "__defaults__", "__kwdefaults__"):
            self.attrs.append((f"{label}.{attr}", value, attr, getattr(value, attr)))
        for k, cell in enumerate(value.__closure__ or ()):
            try:
                self.attrs.append((f"{label} closure {k}", cell, "cell_contents", cell.cell_contents))
            except ValueError:
                pass

    def _mapping(self, label: str, mapping: Any, functions: bool, classes_of: str | None = None,
                 depth: int = 0) -> None:
        keys = [k for k in list(mapping) if k not in _SKIP_KEYS]
        self.sizes.append((label, mapping, len(mapping), list(mapping)))
        for key in keys:
            value = mapping[key]
            where = f"{label}[{key!r}]" if label == "EXERCISES" else f"{label}.{key}"
            self.probes.append((where, mapping, key, value))
            if functions:
                self._function(where, value)
            if classes_of and isinstance(value, type) and value.__module__ == classes_of:
                self._mapping(where, _ClassDict(value), functions=True)
            if depth and isinstance(value, (list, tuple)):
                for k, item in enumerate(value[:64]):
                    if isinstance(value, list):
                        self.probes.append((f"{where}[{k}]", _ListView(value), k, item))
                    self._function(f"{where}[{k}]", item)
                    if hasattr(item, "__dict__") and not isinstance(item, (type, types.FunctionType)):
                        self._mapping(f"{where}[{k}]", vars(item), functions=True)
            elif depth and isinstance(value, dict):
                self._mapping(where, value, functions=True)
            elif depth and hasattr(value, "__dict__") and not isinstance(value, (type, types.FunctionType,
                                                                                   types.ModuleType)):
                self._mapping(where, vars(value), functions=True)

    def changes(self) -> list[str]:
        """What differs from the baseline, as short sentences (empty when nothing does)."""
        missing = _MISSING
        found = [f"{label} was replaced" for label, mapping, key, before in self.probes
                 if mapping.get(key, missing) is not before]
        found += [f"{label} was replaced" for label, obj, attr, before in self.attrs
                  if getattr(obj, attr, missing) is not before]
        found += [f"{label} got a new entry" for label, mapping, size, _ in self.sizes if len(mapping) != size]
        for name, mapping, items in self.third:
            found += [f"{name}.{k} was replaced" for k, v in items if mapping.get(k, missing) is not v]
        return found


    def restore(self) -> None:
        """Put back every object the baseline holds, so that the next exercise is judged by the real checks."""
        missing = _MISSING
        for _, mapping, key, before in self.probes:
            if mapping.get(key, missing) is not before:
                _put(mapping, key, before)
        for _, mapping, size, keys in self.sizes:
            if len(mapping) != size:
                known = set(keys)
                for key in [k for k in list(mapping) if k not in known]:
                    _put(mapping, key, missing)
        for _, obj, attr, before in self.attrs:
            if getattr(obj, attr, missing) is not before:
                try:
                    setattr(obj, attr, before)
                except (AttributeError, TypeError, ValueError):
                    pass
        for _, mapping, items in self.third:
            for key, value in items:
                if mapping.get(key, missing) is not value:
                    _put(mapping, key, value)


def _put(mapping: Any, key: Any, value: Any) -> None:
    """``mapping[key] = value`` (``_MISSING``: delete), also for a class's ``__dict__`` and a list view."""
    try:
        if isinstance(mapping, _ClassDict):
            if value is _MISSING:
                delattr(mapping.owner, key)
            else:
                setattr(mapping.owner, key, value)
        elif isinstance(mapping, _ListView):
            if value is not _MISSING:
                mapping.items[key] = value
        elif value is _MISSING:
            del mapping[key]
        else:
            mapping[key] = value
    except (AttributeError, TypeError, KeyError, IndexError):
        pass


class _ClassDict:
    """A class's live ``__dict__`` with the class itself, so that changes can be put back with setattr."""

    def __init__(self, owner: type) -> None:
        self.owner = owner

    def get(self, key: Any, default: Any) -> Any:
        return vars(self.owner).get(key, default)

    def __len__(self) -> int:
        return len(vars(self.owner))

    def __iter__(self) -> Any:
        return iter(list(vars(self.owner)))

    def __getitem__(self, key: Any) -> Any:
        return vars(self.owner)[key]


class _ListView:
    """``get`` on a list, so that list items are probed like mapping entries."""

    def __init__(self, items: list) -> None:
        self.items = items

    def get(self, index: int, default: Any) -> Any:
        return self.items[index] if index < len(self.items) else default


# ---------------------------------------------------------------------------------- capturing output

class Capture(io.TextIOBase):
    """Stands in for stdout/stderr during a cell: keeps the first ``limit`` characters, sees every ``Correct:`` line."""

    def __init__(self, limit: int = 20000) -> None:
        self.limit, self.kept, self.size, self.partial = limit, [], 0, ""
        self.correct_lines: list[str] = []

    def write(self, text: Any) -> int:
        text = text if isinstance(text, str) else str(text)
        if self.size < self.limit:
            self.kept.append(text[: self.limit - self.size])
            self.size += min(len(text), self.limit - self.size)
        pieces = (self.partial + text).split("\n")
        self.partial = pieces.pop()[-2000:]
        for line in pieces:
            self._line(line)
        return len(text)

    def _line(self, line: str) -> None:
        clean = ANSI.sub("", line).strip()
        if CORRECT_LINE.match(clean) and len(self.correct_lines) < 100:
            self.correct_lines.append(clean[:300])

    def finish(self) -> None:
        if self.partial:
            self._line(self.partial)
            self.partial = ""

    def text(self) -> str:
        return "".join(self.kept)

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"


def _publisher(capture_of: Callable[[], Capture]) -> Any:
    from IPython.core.displaypub import DisplayPublisher

    class Publisher(DisplayPublisher):
        """Rich output (display(), figures, HTML) reduced to its text, read like the cell's printed lines."""

        def publish(self, data: Any, metadata: Any = None, source: Any = None, *, transient: Any = None,
                    update: bool = False, **kwargs: Any) -> None:
            if not isinstance(data, dict):
                return
            for kind in ("text/plain", "text/markdown", "text/html", "text/latex"):
                value = data.get(kind)
                if isinstance(value, list):
                    value = "".join(map(str, value))
                if isinstance(value, str):
                    capture_of().write(TAGS.sub("\n", value) + "\n")

        def clear_output(self, wait: bool = False) -> None:
            return None

    return Publisher


# ---------------------------------------------------------------------------------- the child

class Channel:
    """JSON lines to the grader. Only the runner process itself may speak: a fork of the learner's stays silent."""

    def __init__(self, fd: int) -> None:
        self.fd, self.pid = fd, os.getpid()

    def send(self, event: dict) -> None:
        if os.getpid() != self.pid or threading.current_thread() is not threading.main_thread():
            return
        data = (json.dumps(event, default=str) + "\n").encode()
        view = memoryview(data)
        while view:
            try:
                written = os.write(self.fd, view)
            except InterruptedError:
                continue
            except OSError:
                return
            view = view[written:]


class GraderHook:
    """What ``course_utils.checks.check`` reports to while grading (``checks._grader``)."""

    def __init__(self, fingerprint: Fingerprint, main_thread: threading.Thread) -> None:
        self.fingerprint, self.main_thread = fingerprint, main_thread
        self.cell = -1
        self.verdicts: list[dict] = []
        self.tampering: list[dict] = []
        self.expected_correct: list[str] = []

    def _verify(self, exercise_id: str, when: str) -> bool:
        changes = self.fingerprint.changes()
        for change in changes[:5]:
            self.tampering.append({"exercise": exercise_id, "cell": self.cell, "what": f"{change} ({when})"})
        if changes:
            self.fingerprint.restore()  # what follows in this check, and the next checks, use the real machinery
        return not changes

    def check_started(self, exercise_id: str) -> None:
        self._verify(exercise_id, "when its check began")

    def check_finished(self, exercise_id: str, verdict: str, mistake: str | None, level: int, problem: str) -> None:
        intact = self._verify(exercise_id, "when its check ended")
        if threading.current_thread() is not self.main_thread:
            self.tampering.append({"exercise": exercise_id, "cell": self.cell,
                                   "what": "check was called from a thread"})
            intact = False
        self.verdicts.append({"exercise": exercise_id, "verdict": verdict, "mistake": mistake, "level": level,
                              "problem": str(problem)[:400], "cell": self.cell, "intact": intact})
        if verdict == "correct":
            self.expected_correct.append(f"Correct: {exercise_id} (")


def _audit_hook(workdir: str, protected: list[str], writable: list[str], incidents: list[dict],
                state: dict) -> Callable[[str, tuple], None]:
    """The audit hook of a submission's process (it cannot be removed once added)."""
    import ipaddress

    protected_t = tuple(p.rstrip("/") + "/" for p in protected)
    protected_s = set(p.rstrip("/") for p in protected)
    writable_t = tuple(p.rstrip("/") + "/" for p in writable)
    writable_s = set(p.rstrip("/") for p in writable) | {"/dev/null"}
    workdir_t = workdir.rstrip("/") + "/"
    events = {"open", "os.remove", "os.rmdir", "shutil.rmtree", "os.rename", "os.truncate", "os.chmod", "os.chown",
              "socket.connect", "socket.sendto", "socket.getaddrinfo", "socket.gethostbyname",
              "socket.gethostbyname_ex",
              "socket.gethostbyaddr", "os.fork", "subprocess.Popen", "os.system", "os.posix_spawn", "os.exec",
              "ctypes.dlopen", "object.__setattr__", "os.listdir", "os.scandir"}
    write_flags = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
    absolute, normalize, getpid = os.path.abspath, os.path.normpath, os.getpid
    local_names = {"localhost", "", None}
    seen: set[tuple] = set()
    guarded = ("course_utils.checks", "course_utils.exercises", "coursetools.grade")
    initial = {os.path.join(workdir, name) for name in os.listdir(workdir)} if os.path.isdir(workdir) else set()

    def note(kind: str, what: str) -> None:
        key = (kind, what)
        if key not in seen and len(incidents) < 200:
            seen.add(key)
            incidents.append({"kind": kind, "what": what, "cell": state.get("cell", -1)})

    def is_local(host: Any) -> bool:
        if host in local_names:
            return True
        if isinstance(host, bytes):
            host = host.decode(errors="replace")
        try:
            return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
        except ValueError:
            return str(host) in ("localhost", "localhost.localdomain")

    def path_of(value: Any) -> str | None:
        if isinstance(value, int) or value is None:
            return None
        try:
            return normalize(absolute(os.fsdecode(value)))
        except (TypeError, ValueError):
            return None

    def inside(path: str, prefixes: tuple, exact: set) -> bool:
        return path in exact or path.startswith(prefixes)

    def hook(event: str, args: tuple) -> None:
        if event not in events or not state.get("armed"):
            return
        if event == "open":
            path = path_of(args[0])
            if path is None or path.startswith(workdir_t):
                return
            mode, flags = args[1] if len(args) > 1 else None, args[2] if len(args) > 2 else 0
            if inside(path, protected_t, protected_s):
                note("grader_file", path)
                raise PermissionError(errno.EACCES, "the grader's files cannot be read from a submission", path)
            writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or bool((flags or 0) & write_flags)
            if writing and not inside(path, writable_t, writable_s):
                note("write_outside", path)
                raise PermissionError(errno.EACCES, "a submission may write only in its working directory", path)
        elif event in ("os.listdir", "os.scandir"):
            path = path_of(args[0]) if args and args[0] is not None else None
            if path is not None and not path.startswith(workdir_t) and path != workdir.rstrip("/") and \
                    inside(path, protected_t, protected_s):
                note("grader_file", path)
                raise PermissionError(errno.EACCES, "the grader's files cannot be read from a submission", path)
        elif event in ("os.remove", "os.rmdir", "shutil.rmtree", "os.rename", "os.truncate", "os.chmod", "os.chown"):
            path = path_of(args[0])
            if path is None:
                return
            in_workdir = path.startswith(workdir_t) or path == workdir.rstrip("/")
            if inside(path, protected_t, protected_s) and not in_workdir:
                note("grader_file", path)
                raise PermissionError(errno.EACCES, "the grader's files cannot be changed from a submission", path)
            if event in ("os.remove", "os.rmdir", "shutil.rmtree") and in_workdir:
                if path in initial or path == workdir.rstrip("/"):  # what it was given, not its own temporary files
                    note("deleted_in_workdir", path)
            elif not inside(path, writable_t, writable_s):
                note("write_outside", path)
                raise PermissionError(errno.EACCES, "a submission may change files only in its working directory", path)
        elif event in ("socket.connect", "socket.sendto"):
            address = args[1] if len(args) > 1 else None
            if isinstance(address, tuple) and address and not is_local(address[0]):
                note("network", f"{address[0]}:{address[1] if len(address) > 1 else ''}")
                raise OSError(errno.ENETUNREACH, "network access is disabled while grading: the course works offline")
        elif event.startswith("socket.gethost") or event == "socket.getaddrinfo":
            host = args[0] if args else None
            if not is_local(host):
                note("network", f"{host!s}")
                import socket

                raise socket.gaierror(f"network access is disabled while grading (tried to resolve {host})")
        elif event in ("os.fork", "subprocess.Popen", "os.system", "os.posix_spawn", "os.exec"):
            if getpid() == state.get("runner_pid"):
                what = event if event == "os.fork" else f"{event} {str(args[1] if len(args) > 1 else args[0])[:80]}"
                note("process", what)
        elif event == "ctypes.dlopen":
            note("ctypes", str(args[0])[:80])
        elif event == "object.__setattr__":
            target, name = args[0], args[1]
            module = getattr(target, "__module__", "") or ""
            if not isinstance(module, str) or name == "__doc__":
                return
            is_code = isinstance(target, types.FunctionType) and name in ("__code__", "__defaults__", "__kwdefaults__")
            if module.startswith(guarded) and (is_code or isinstance(target, type)) or is_code and \
                    module.startswith(("torch", "numpy")):
                note("tamper", f"set {getattr(target, '__qualname__', type(target).__name__)}.{name}")

    return hook


def _drop_socket_guard() -> None:
    """Undo the course's test-time socket patches (coursetools/offline), if this process loaded them."""
    guard = sys.modules.get("sitecustomize")
    if guard is None or not hasattr(guard, "_guarded_getaddrinfo"):
        return
    import socket

    for name in ("connect", "connect_ex"):
        if name in vars(socket.socket):
            delattr(socket.socket, name)
    if socket.getaddrinfo is guard._guarded_getaddrinfo:
        socket.getaddrinfo = guard._getaddrinfo


def _bring_up_loopback() -> None:
    import fcntl
    import socket
    import struct

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH", b"lo", 0)
        flags = struct.unpack("16sH", fcntl.ioctl(sock, 0x8913, request)[:18])[1]      # SIOCGIFFLAGS
        fcntl.ioctl(sock, 0x8914, struct.pack("16sH", b"lo", flags | 0x1 | 0x40))       # SIOCSIFFLAGS: UP, RUNNING


def _mountpoints() -> list[tuple[str, str]]:
    points = []
    with open("/proc/self/mountinfo") as handle:
        for line in handle:
            parts = line.split()
            dash = parts.index("-")
            points.append((parts[4].replace("\\040", " "), parts[dash + 1]))
    return points


def needed_paths() -> list[str]:
    """The folders a submission's Python must read: its installation, the environment, the course."""
    candidates = [p for p in sys.path if p and os.path.isdir(p)]
    candidates += [sys.prefix, sys.base_prefix, os.path.dirname(os.path.realpath(sys.executable)),
                   str(Path(__file__).resolve().parent.parent)]
    real = sorted({os.path.realpath(p) for p in candidates if os.path.isdir(p)})
    return [p for p in real if not any(p != q and p.startswith(q.rstrip("/") + "/") for q in real)]


def _blocking(path: str, uid: int) -> str | None:
    """The first folder on the way to ``path`` that ``uid`` may not enter (``/root`` for a pyenv Python)."""
    parts = Path(path).parts
    for k in range(1, len(parts)):
        folder = str(Path(*parts[:k + 1])) if k else "/"
        try:
            st = os.stat(folder)
        except OSError:
            return None
        if not (st.st_mode & 0o001 or (st.st_uid == uid and st.st_mode & 0o100)):
            return folder
    return None


def traversable(uid: int) -> bool:
    """Whether ``uid`` can reach every :func:`needed_paths` as the file system stands."""
    return all(_blocking(p, uid) is None for p in needed_paths())


def _isolate_namespaces(sandbox: Sandbox, limits: Limits, uid: int) -> list[str]:
    """Inside the new namespaces, as root: mounts, loopback; returns what was hidden.

    The grader's files and any folder the submission's user may not enter (the instructor's home,
    when Python lives below it) are covered with empty tmpfs mounts; then the folders Python needs
    are bound back at their own paths, read-only, from descriptors opened before anything was hidden.
    """
    needed = needed_paths()
    handles = {p: os.open(p, os.O_PATH | os.O_DIRECTORY) for p in needed}
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    hidden = []
    for path in sandbox.protected:
        try:
            if os.path.isdir(path) and os.path.realpath(path) not in ("/", "/tmp"):
                _mount("tmpfs", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,mode=0555")
                hidden.append(path)
            elif os.path.isfile(path):
                _mount("/dev/null", path, None, MS_BIND)
                hidden.append(path)
        except OSError:
            pass
    for path in needed:
        blocking = _blocking(path, uid)
        if blocking and blocking not in hidden and os.path.realpath(blocking) != "/":
            _mount("tmpfs", blocking, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755")
            hidden.append(blocking)
    _mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, f"size={limits.disk_mib}m,mode=1777")
    if os.path.isdir("/dev/shm"):
        _mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "size=256m,mode=1777")
    _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    for path, fd in handles.items():
        want = os.fstat(fd)
        try:
            st = os.stat(path)
            if (st.st_dev, st.st_ino) == (want.st_dev, want.st_ino):
                continue
        except OSError:
            pass
        try:
            os.makedirs(path, exist_ok=True)
            _mount(f"/proc/self/fd/{fd}", path, None, MS_BIND | MS_REC)
        except OSError:
            pass
    for fd in handles.values():
        os.close(fd)
    for point, fstype in _mountpoints():
        if point.startswith(("/proc", "/sys", "/dev")) or fstype in ("proc", "sysfs", "tmpfs", "devpts",
                                                                     "devtmpfs", "cgroup", "cgroup2"):
            continue
        try:
            _mount(None, point, None, MS_REMOUNT | MS_BIND | MS_RDONLY)
        except OSError:
            pass
    os.mkdir(WORKDIR_IN_NAMESPACE, 0o700)
    os.chown(WORKDIR_IN_NAMESPACE, uid, uid)
    try:
        _bring_up_loopback()
    except OSError:
        pass
    return hidden


def _set_limits(limits: Limits, root: bool) -> None:
    try:
        with open("/proc/self/status") as handle:
            mapped = next((int(line.split()[1]) * 1024 for line in handle if line.startswith("VmSize:")), 0)
    except OSError:  # not Linux: the limit counts from nothing (macOS does not enforce it anyway)
        mapped = 0
    pairs = [(resource.RLIMIT_AS, mapped + limits.memory_mib * 2**20),
             (resource.RLIMIT_CPU, int(limits.notebook_timeout) + 30),
             (resource.RLIMIT_FSIZE, limits.disk_mib * 2**20),
             (resource.RLIMIT_CORE, 0)]
    if root:
        pairs.append((resource.RLIMIT_NPROC, limits.processes))
    for which, value in pairs:
        try:
            soft, hard = resource.getrlimit(which)
            value = value if hard == resource.RLIM_INFINITY else min(value, hard)
            resource.setrlimit(which, (value, value if root else hard))
        except (ValueError, OSError):
            pass


def _environment(workdir: str) -> dict[str, str]:
    from coursetools.notebooks import KERNEL_ENV, OFFLINE_GUARD

    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TERM")}
    env = {**keep, **KERNEL_ENV, "HOME": workdir, "TMPDIR": workdir if not workdir.startswith("/tmp/") else "/tmp",
           "MPLCONFIGDIR": f"{workdir}/.matplotlib", "IPYTHONDIR": f"{workdir}/.ipython",
           "XDG_CACHE_HOME": f"{workdir}/.cache", "COURSE_PROGRESS_FILE": "off", "COURSE_LIVE": "0",
           "MPLBACKEND": "Agg", "PYTHONNOUSERSITE": "1", "PYTHONPATH": str(OFFLINE_GUARD)}
    env.setdefault("PATH", "/usr/bin:/bin")
    return env


def _close_other_fds(keep: set[int]) -> None:
    try:
        fds = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        fds = list(range(3, 1024))
    for fd in fds:
        if fd > 2 and fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass


def child_main(job: Job, slot: int, write_fd: int, limits: Limits, sandbox: Sandbox, editions: dict) -> None:
    """The forked child of one submission. Never returns: it ends with ``os._exit``."""
    code = 0
    try:
        os.setsid()
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        for sig in (signal.SIGCHLD, signal.SIGPIPE):
            signal.signal(sig, signal.SIG_DFL)
        _close_other_fds({write_fd})
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):  # C-level output of the learner's code must not reach the instructor's terminal
            os.dup2(devnull, fd)
        os.close(devnull)
        if sandbox.cores and hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, {sandbox.cores[slot % len(sandbox.cores)]})
        try:
            with open(job.path, "rb") as handle:
                data = handle.read(50 * 2**20 + 1)
        except OSError as exc:
            Channel(write_fd).send({"e": "bad", "reason": f"could not be read ({exc.strerror or exc})"})
            os._exit(0)
        if sandbox.mode == "namespaces":
            _call("unshare", CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS)
            runner = os.fork()
            if runner:  # the outer process: wait for the namespace's first process, then go
                Channel(write_fd).send({"e": "runner", "pid": runner})
                os.close(write_fd)
                signal.signal(signal.SIGINT, signal.SIG_IGN)
                while True:
                    try:
                        _, status = os.waitpid(runner, 0)
                        break
                    except ChildProcessError:
                        status = 0
                        break
                    except InterruptedError:
                        continue
                os._exit(max(0, os.waitstatus_to_exitcode(status)) if status else 0)
            _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        else:
            Channel(write_fd).send({"e": "runner", "pid": os.getpid()})
        run_submission(job, data, slot, write_fd, limits, sandbox, editions)
    except BaseException as exc:  # the grader's own failure: say so, never a traceback on the terminal
        try:
            Channel(write_fd).send({"e": "crash", "what": f"{type(exc).__name__}: {exc}"[:500]})
        except BaseException:
            pass
        code = 3
    os._exit(code)


def run_submission(job: Job, data: bytes, slot: int, write_fd: int, limits: Limits, sandbox: Sandbox,
                   editions: dict) -> None:
    """Isolate this process, read and plan the submission, run its cells, report every event."""
    from coursetools.grade_notebook import plan, scan, screen

    channel = Channel(write_fd)
    root = hasattr(os, "geteuid") and os.geteuid() == 0
    uid = sandbox.uid_base + slot
    hidden: list[str] = []
    if sandbox.mode == "namespaces":
        hidden = _isolate_namespaces(sandbox, limits, uid)
        workdir = WORKDIR_IN_NAMESPACE
    else:
        workdir = str(job.workdir)
        if root and sandbox.drop_privileges:
            os.chown(workdir, uid, uid)
    _set_limits(limits, root)
    env = _environment(workdir)
    os.environ.clear()
    os.environ.update(env)
    if root and sandbox.drop_privileges:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
    _prctl(PR_SET_NO_NEW_PRIVS, 1)
    _prctl(PR_SET_DUMPABLE, 0)
    parent = os.getppid()
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # again: a change of user id clears it
    if os.getppid() != parent or parent == 1 and sandbox.mode != "namespaces":
        os._exit(4)  # the grader died while this was starting
    os.chdir(workdir)
    for sub in (".matplotlib", ".ipython", ".cache"):
        os.makedirs(os.path.join(workdir, sub), exist_ok=True)
    with open("submission.ipynb", "wb") as handle:
        handle.write(data)
    channel.send({"e": "sandbox", "mode": sandbox.mode, "uid": os.getuid(), "hidden": hidden})

    cells, slug, how, why = screen(data, editions, job.path.name, job.expected_chapter)
    if why or cells is None or slug is None:
        channel.send({"e": "bad", "reason": why, "chapter": slug})
        return
    edition = editions[slug]
    the_plan = plan(cells, edition)
    given_scan = {}
    for c in edition.cells:
        if c.kind == "code":
            given = edition.exercise_of(c)
            if given is not None:
                given_scan[given.exercise_id] = scan(c.source)
    added_tamper: list[tuple[int, list[str]]] = []
    for k, cell in enumerate(the_plan.cells):
        if cell.kind == "given":
            continue
        tamper, suspicious = scan(cell.source)
        known_tamper, known_suspicious = given_scan.get(cell.exercise_id, ([], [])) if cell.exercise_id else ([], [])
        tamper = [t for t in tamper if t not in known_tamper]
        for item in suspicious:
            if item not in known_suspicious:
                line = f"{cell.where} {item}"
                if line not in the_plan.suspicious:
                    the_plan.suspicious.append(line)
        if tamper and cell.kind == "exercise":
            for why in tamper:
                the_plan.tamper(cell.exercise_id, f"its cell ({cell.where}) {why}")
        elif tamper:
            added_tamper.append((k, [f"{cell.where} (added) {why}" for why in tamper]))
    for k, reasons in added_tamper:  # reported; what it changed is undone after the cell (see execute)
        the_plan.notes.extend(f"tampering: {why}" for why in reasons)
    channel.send({"e": "plan", "chapter": slug, "chapter_by": how, "exercises": the_plan.exercises,
                  "unanswered": the_plan.unanswered, "missing": the_plan.missing, "tampered": the_plan.tampered,
                  "notes": the_plan.notes, "suspicious": the_plan.suspicious,
                  "version_mismatch": the_plan.version_mismatch,
                  "cells": [{"kind": c.kind, "where": c.where, "exercise": c.exercise_id, "raises": c.raises}
                            for c in the_plan.cells]})
    execute(the_plan, channel, limits, sandbox, workdir)


def execute(the_plan: Any, channel: Channel, limits: Limits, sandbox: Sandbox, workdir: str) -> None:
    """Run the planned cells one by one in a fresh IPython shell; report each cell's verdicts and incidents."""
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    import course_utils
    import course_utils.checks as checks

    config = Config()
    config.HistoryManager.enabled = False
    config.InteractiveShell.colors = "NoColor"
    config.InteractiveShell.xmode = "Minimal"
    shell = InteractiveShell.instance(config=config)
    current: dict[str, Capture] = {"out": Capture()}
    shell.display_pub = _publisher(lambda: current["out"])(shell=shell)
    main_thread = threading.main_thread()
    hook = GraderHook(None, main_thread)  # type: ignore[arg-type]
    checks._grader = hook                 # before the fingerprint, which then covers the hook too
    fingerprint = Fingerprint()
    hook.fingerprint = fingerprint
    changes = Fingerprint.changes         # the runner's own references, taken before any learner code
    restore = Fingerprint.restore
    real_checks = (vars(course_utils).get("check"), checks.check)
    incidents: list[dict] = []
    runner_pid = os.getpid()
    state = {"armed": False, "cell": -1, "runner_pid": runner_pid}
    writable = [workdir, "/tmp", "/dev/shm"] if sandbox.mode == "namespaces" else [workdir]
    _drop_socket_guard()  # the audit hook below is the stronger gate, and it records every attempt
    sys.addaudithook(_audit_hook(workdir, sandbox.protected, writable, incidents, state))
    state["armed"] = True
    stdout, stderr = sys.stdout, sys.stderr
    seen_incidents = 0
    seen_tampering = 0
    seen_verdicts = 0
    for k, cell in enumerate(the_plan.cells):
        hook.cell = k
        state["cell"] = k
        capture = Capture()
        current["out"] = capture
        hook.expected_correct = []
        channel.send({"e": "start", "cell": k})
        started = time.perf_counter()
        error = None
        sys.stdout = sys.stderr = capture
        try:
            result = shell.run_cell(cell.source, store_history=True)
            failure = result.error_before_exec or result.error_in_exec
            if failure is not None:
                error = {"type": type(failure).__name__, "message": _message(failure)}
        except BaseException as exc:  # an interrupt that arrived outside the learner's code
            error = {"type": type(exc).__name__, "message": _message(exc)}
        finally:
            sys.stdout, sys.stderr = stdout, stderr
        if os.getpid() != runner_pid:  # a fork of the learner's code came back to the grader's loop
            os._exit(0)
        capture.finish()
        seconds = time.perf_counter() - started
        tampering = []
        if vars(Fingerprint).get("changes") is not changes:
            tampering.append({"exercise": cell.exercise_id, "cell": k, "what": f"{cell.where} patches the grader"})
        found = changes(fingerprint)
        for change in found[:5]:
            tampering.append({"exercise": cell.exercise_id, "cell": k, "what": f"{change} (found after {cell.where})"})
        if found:
            restore(fingerprint)  # the next exercise is judged by the real checks again
        bound = shell.user_ns.get("check", real_checks[0])
        if k > 0 and bound not in real_checks:
            tampering.append({"exercise": cell.exercise_id, "cell": k, "what": f"{cell.where} rebinds check"})
            shell.user_ns["check"] = real_checks[0]
        if "check" in vars(builtins):
            tampering.append({"exercise": cell.exercise_id, "cell": k, "what": f"{cell.where} defines a builtin check"})
            del builtins.check
        if checks._grader is not hook:
            tampering.append({"exercise": cell.exercise_id, "cell": k,
                              "what": f"{cell.where} replaces the grader's hook"})
            checks._grader = hook
        expected = list(hook.expected_correct)
        unexpected = []
        for line in capture.correct_lines:
            match = next((e for e in expected if line.startswith(e)), None)
            if match is not None:
                expected.remove(match)
            else:
                unexpected.append(line)
        new_verdicts = _few(hook.verdicts[seen_verdicts:])
        seen_verdicts = len(hook.verdicts)
        new_tampering = (hook.tampering[seen_tampering:] + tampering)[:20]
        seen_tampering = len(hook.tampering)
        new_incidents = incidents[seen_incidents:]
        seen_incidents = len(incidents)
        channel.send({"e": "end", "cell": k, "seconds": round(seconds, 3), "error": error, "verdicts": new_verdicts,
                      "tampering": new_tampering, "incidents": new_incidents, "printed_correct": unexpected[:10],
                      "output": capture.text()[-1500:] if error else ""})
    state["armed"] = False
    channel.send({"e": "done", "threads": _threads_left(main_thread), "processes": _descendants(sandbox)})


def _few(verdicts: list[dict]) -> list[dict]:
    """At most about 50 verdicts of a cell (a loop may call check thousands of times), each exercise's last kept."""
    if len(verdicts) <= 50:
        return verdicts
    last = {v["exercise"]: k for k, v in enumerate(verdicts)}
    keep = set(range(20)) | set(last.values())
    return [v for k, v in enumerate(verdicts) if k in keep]


def _message(exc: BaseException) -> str:
    try:
        text = str(exc)
    except Exception:  # a learner's exception whose __str__ fails
        text = ""
    problem = getattr(exc, "problem", None)
    if isinstance(problem, str):
        text = problem
    text = " ".join(text.split())
    return text[:400]


def _threads_left(main_thread: threading.Thread, grace_s: float = 1.0) -> list[str]:
    """The names of the threads still running after the last cell (one ending now gets ``grace_s`` to end)."""
    deadline = time.monotonic() + grace_s
    left = []
    for thread in threading.enumerate():
        if thread is main_thread:
            continue
        try:
            thread.join(timeout=max(deadline - time.monotonic(), 0.0))
        except (RuntimeError, AssertionError):  # a thread started outside Python (a "dummy" thread)
            pass
        if thread.is_alive():
            left.append(thread.name)
    return left[:20]


def _descendants(sandbox: Sandbox, grace_s: float = 1.0) -> list[str]:
    """The processes still running beside the runner (all of the namespace's, or this process's children).

    A process that is exiting at this moment (a worker joined a moment ago, whose exit the kernel
    is still finishing) is not the submission's fault: what is found is looked at again for up to
    ``grace_s`` seconds, and only the processes still there are named.
    """
    found = _other_processes(sandbox)
    deadline = time.monotonic() + grace_s
    while found and time.monotonic() < deadline:
        time.sleep(0.05)
        still = _other_processes(sandbox)
        found = {pid: cmd for pid, cmd in found.items() if pid in still}
    return list(found.values())[:20]


def _other_processes(sandbox: Sandbox) -> dict[int, str]:
    """pid -> command line of every live process that counts as the submission's (see _descendants)."""
    me = os.getpid()
    found: dict[int, str] = {}
    try:
        names = [n for n in os.listdir("/proc") if n.isdigit()]
    except OSError:
        return {}
    for name in names:
        pid = int(name)
        if pid == me:
            continue
        try:
            with open(f"/proc/{name}/stat") as handle:
                stat = handle.read()
            with open(f"/proc/{name}/cmdline", "rb") as handle:
                cmd = handle.read().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        state, ppid = fields[0], int(fields[1])
        if state in ("Z", "X"):
            continue
        if ppid == me and _is_multiprocessing_helper(cmd):
            continue  # chapter 15's fork server and resource tracker: they end with the kernel
        if sandbox.mode == "namespaces" or ppid == me:
            found[pid] = cmd[:100] or stat[stat.index("(") + 1: stat.rindex(")")]
    return found


def _is_multiprocessing_helper(cmd: str) -> bool:
    """Whether a command line is multiprocessing's fork server or resource tracker.

    The whole command line is looked at: the interpreter's path and flags come first, so on a
    deep checkout (``/check/work/main/.venv/bin/python -B -W...``) the module name begins past
    the 100th character. A rank the fork server forked has the same command line, but the
    server, not the runner, is its parent, so it is still counted.

    >>> _is_multiprocessing_helper("python -B -c from multiprocessing.forkserver import main; main(8, 9)")
    True
    """
    return "multiprocessing.forkserver" in cmd or "multiprocessing.resource_tracker" in cmd


# ---------------------------------------------------------------------------------- the parent's view

def set_subreaper() -> bool:
    """Make this (the grading) process adopt every orphan a submission leaves behind (Linux)."""
    try:
        return libc().prctl(PR_SET_CHILD_SUBREAPER, ctypes.c_ulong(1), 0, 0, 0) == 0
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return False


def kill_strays(keep: set[int]) -> int:
    """Kill and reap the processes that were re-parented to the grader (a submission's leftovers)."""
    me, killed = os.getpid(), 0
    try:
        names = [n for n in os.listdir("/proc") if n.isdigit()]
    except OSError:
        names = []
    for name in names:
        pid = int(name)
        if pid in keep:
            continue
        try:
            with open(f"/proc/{name}/stat") as handle:
                stat = handle.read()
        except OSError:
            continue
        if int(stat[stat.rindex(")") + 2:].split()[1]) == me:
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except OSError:
                pass
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0 or pid in keep:
            break
    return killed


@dataclass
class Running:
    """A submission being graded, as the grading process sees it."""

    job: Job
    pid: int
    fd: int
    started: float
    buffer: bytes = b""
    events: list[dict] = field(default_factory=list)
    runner: int | None = None
    cell: int | None = None
    cell_started: float = 0.0
    cell_cpu: float = 0.0
    interrupted: dict[int, float] = field(default_factory=dict)
    stopped: str = ""            # why the grader stopped it, if it did
    status: int | None = None
    wall_started: float = field(default_factory=time.time)

    def feed(self) -> bool:
        """Read what the child wrote; False at end of file."""
        try:
            chunk = os.read(self.fd, 1 << 16)
        except BlockingIOError:
            return True
        except OSError:
            chunk = b""
        if not chunk:
            return False
        self.buffer += chunk
        *lines, self.buffer = self.buffer.split(b"\n")
        for line in lines:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if not isinstance(event, dict):
                continue
            self.events.append(event)
            kind = event.get("e")
            if kind == "runner" and self.runner is None and isinstance(event.get("pid"), int):
                self.runner = event["pid"]
            elif kind == "start":
                self.cell, self.cell_started, self.cell_cpu = event.get("cell"), time.monotonic(), self.cpu_seconds()
            elif kind == "end":
                self.cell = None
        if len(self.events) > 20000:
            self.kill("it produced far more grading events than a notebook can")
        return True

    def signal(self, sig: int) -> None:
        """Send ``sig`` to the runner, the child's whole process group and the child itself."""
        for send, target in ((os.kill, self.runner), (os.killpg, self.pid), (os.kill, self.pid)):
            if target:
                try:
                    send(target, sig)
                except OSError:
                    pass

    def kill(self, why: str) -> None:
        if not self.stopped:
            self.stopped = why
        self.signal(signal.SIGKILL)

    def cpu_seconds(self) -> float:
        """CPU time the runner has used so far (user + system), from /proc; 0 where unknown."""
        if not self.runner:
            return 0.0
        try:
            with open(f"/proc/{self.runner}/stat") as handle:
                stat = handle.read()
            fields = stat[stat.rindex(")") + 2:].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            return 0.0

    def check_deadlines(self, limits: Limits, now: float) -> None:
        """Interrupt a cell over its limit (then kill it if it ignores that), and a notebook over its own."""
        if self.stopped:
            return
        if now - self.started > limits.notebook_timeout:
            self.kill(f"the whole notebook did not finish in {limits.notebook_timeout:g} s")
            return
        if self.cell is None:
            return
        first = self.interrupted.get(self.cell)
        if first is None:
            over = (self.cpu_seconds() - self.cell_cpu > limits.cell_timeout or
                    now - self.cell_started > limits.wall_factor * limits.cell_timeout)
            if over:
                self.interrupted[self.cell] = now
                if self.runner:
                    try:
                        os.kill(self.runner, signal.SIGINT)
                    except OSError:
                        pass
        elif now - first > limits.grace:
            self.kill(f"a cell ran past its limit ({limits.cell_text()}) and ignored the interrupt")

    def next_deadline(self, limits: Limits) -> float:
        deadline = self.started + limits.notebook_timeout
        if self.cell is not None:
            first = self.interrupted.get(self.cell)
            deadline = min(deadline, first + limits.grace if first else time.monotonic() + 0.25)
        return deadline


def launch(job: Job, slot: int, limits: Limits, sandbox: Sandbox, editions: dict) -> Running:
    """Fork the child of one submission (from this warmed process) and return its handle."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        child_main(job, slot, write_fd, limits, sandbox, editions)
        os._exit(0)  # pragma: no cover - child_main never returns
    os.close(write_fd)
    os.set_blocking(read_fd, False)
    return Running(job, pid, read_fd, time.monotonic())
