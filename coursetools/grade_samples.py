"""Sample submissions for trying ``./course grade``, generated from whatever the notebooks hold now.

Every sample is a learner-edition notebook (built by ``coursetools.learner`` from the solution
notebook) filled in the way a learner would:

- with the solutions: each placeholder replaced by the code between the solution edition's markers;
- with typical mistakes: the solution code, then the answer variable set to one of the exercise's
  own ``wrong_examples`` (written out as Python source: a literal, a tensor, or the source of the
  wrong function itself), kept only where that source gives the same verdict as the registry's
  example;
- with tampering (each kind on one exercise), and with the bad inputs of the grader's tests.

Each sample carries what the grader must find (:attr:`Sample.expected`), computed here from the
registry itself (``exercise.validate``), not from the grader. ``python -m coursetools.grade_samples
DIR --chapter 01`` writes the set to a folder; ``--class 30 --chapter 04`` writes a class of 30
learners with a mix of right answers and typical mistakes (the timing benchmark uses it).
"""
from __future__ import annotations

import argparse
import ast
import contextlib
import inspect
import io
import json
import math
import random
import re
import sys
import textwrap
import types
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from coursetools.grade_notebook import PLACEHOLDER, lines_of
from coursetools.learner import BEGIN, CHECK_CALL, END
from coursetools.notebooks import NOTEBOOK_DIR


@dataclass
class Sample:
    """One submission file and what grading it must give."""

    name: str                                   # file name, e.g. "alice-01_first_gradients.ipynb"
    data: bytes
    expected: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # exercise -> (status, mistake)
    graded: bool = True                         # False: the report must list it as not graded
    reason: str = ""                            # a phrase its "not graded" line must contain
    problem: str = ""                           # a phrase its problems must contain
    note: str = ""                              # a phrase its notes must contain


# ---------------------------------------------------------------------------------- answers as source

def _literal(value: Any, depth: int = 0) -> str | None:
    if depth > 6:
        return None
    if value is None or isinstance(value, (bool, int, str)):
        return repr(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else f'float("{value}")'
    if isinstance(value, Fraction):
        return f"__import__('fractions').Fraction({value.numerator}, {value.denominator})"
    if isinstance(value, (list, tuple, set, frozenset)):
        parts = [_literal(v, depth + 1) for v in value]
        if any(p is None for p in parts):
            return None
        if isinstance(value, list):
            return "[" + ", ".join(parts) + "]"
        if isinstance(value, tuple):
            return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"
        inner = ", ".join(sorted(parts))
        return ("{" + inner + "}" if parts else "set()") if isinstance(value, set) else f"frozenset({{{inner}}})"
    if isinstance(value, dict):
        items = [(_literal(k, depth + 1), _literal(v, depth + 1)) for k, v in value.items()]
        if any(k is None or v is None for k, v in items):
            return None
        return "{" + ", ".join(f"{k}: {v}" for k, v in items) + "}"
    module = type(value).__module__
    if module == "numpy":
        import numpy as np

        if isinstance(value, np.ndarray):
            inner = _literal(value.tolist(), depth + 1)
            return None if inner is None else f"__import__('numpy').array({inner}, dtype='{value.dtype}')"
        if isinstance(value, np.generic):
            return f"__import__('numpy').{type(value).__name__}({_literal(value.item(), depth + 1)})"
    if module == "torch" and type(value).__name__ == "Tensor":
        if value.grad_fn is not None or type(value).__name__ != "Tensor":
            return None  # its graph is part of the answer: no literal can hold it
        inner = _literal(value.detach().cpu().tolist(), depth + 1)
        if inner is None:
            return None
        text = f"torch.tensor({inner}, dtype={str(value.dtype)})"
        return text + ".requires_grad_()" if value.requires_grad else text
    return None


def _nested_codes(code: types.CodeType) -> list[types.CodeType]:
    found = [code]
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            found += _nested_codes(const)
    return found


def _same_code(a: types.CodeType, b: types.CodeType) -> bool:
    return a.co_code == b.co_code and a.co_names == b.co_names and a.co_varnames == b.co_varnames and \
        [c for c in a.co_consts if not isinstance(c, types.CodeType)] == \
        [c for c in b.co_consts if not isinstance(c, types.CodeType)]


def _globals_needed(fn: types.FunctionType, depth: int) -> list[str] | None:
    """Source lines that define the module-level names ``fn`` uses, or None where one cannot be written."""
    lines: list[str] = []
    names = {n for code in _nested_codes(fn.__code__) for n in code.co_names}
    for name in sorted(names):
        if name not in fn.__globals__ or name in ("torch", "device"):
            continue
        value = fn.__globals__[name]
        if isinstance(value, types.ModuleType):
            if value.__name__.startswith(("course_utils", "coursetools")):
                return None
            lines.append(f"import {value.__name__}" if value.__name__ == name else f"import {value.__name__} as {name}")
        elif isinstance(value, types.FunctionType) and depth < 3:
            source = _function_source(value, name, depth + 1)
            if source is None:
                return None
            lines.append(source)
        elif _literal(value) is not None:
            lines.append(f"{name} = {_literal(value)}")
        elif isinstance(value, type) and not value.__module__.startswith(("course_utils", "coursetools")) and \
                "<locals>" not in value.__qualname__:
            lines.append(f"from {value.__module__} import {value.__qualname__.split('.')[0]} as {name}")
        else:
            return None
    return lines


class _NoAnnotations(ast.NodeTransformer):
    """Drop type annotations: the course's modules defer them (``from __future__ import annotations``), a notebook cell
    evaluates them, and the names they use (``Node``, ``Callable``) are not defined there."""

    def visit_arg(self, node: ast.arg) -> ast.arg:
        node.annotation = None
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.FunctionDef:
        node.returns = None
        self.generic_visit(node)
        return node

    def visit_AnnAssign(self, node: ast.AnnAssign) -> Any:
        if node.value is None:
            return None
        return ast.copy_location(ast.Assign(targets=[node.target], value=node.value), node)


def _without_annotations(source: str) -> str:
    tree = _NoAnnotations().visit(ast.parse(source))
    return ast.unparse(ast.fix_missing_locations(tree))


def _function_source(fn: Any, name: str, depth: int = 0) -> str | None:
    """Python source that binds ``name`` to a function equivalent to ``fn``, or None."""
    if not isinstance(fn, types.FunctionType) or fn.__code__.co_freevars:
        return None
    needed = _globals_needed(fn, depth)
    if needed is None:
        return None
    if fn.__name__ == "<lambda>":
        try:
            file_lines, _ = inspect.findsource(fn.__code__)
        except (OSError, TypeError):
            return None
        text = "".join(file_lines)
        tree = ast.parse(text)
        for node in ast.walk(tree):
            if isinstance(node, ast.Lambda) and node.lineno == fn.__code__.co_firstlineno:
                segment = ast.get_source_segment(text, node)
                try:
                    compiled = compile(f"({segment})", "<lambda>", "eval")
                except SyntaxError:
                    continue
                inner = next((c for c in compiled.co_consts if isinstance(c, types.CodeType)), None)
                if inner is not None and _same_code(inner, fn.__code__):
                    return "\n".join(needed + [f"{name} = ({segment})"])
        return None
    try:
        source = textwrap.dedent(inspect.getsource(fn))
    except (OSError, TypeError):
        return None
    if source.lstrip().startswith("@"):
        return None
    source = _without_annotations(source)
    return "\n".join(needed + [source.rstrip()] + ([f"{name} = {fn.__name__}"] if fn.__name__ != name else []))


def answer_source(value: Any, name: str) -> str | None:
    """Python source that sets ``name`` to ``value`` (a literal, a tensor, a function, an autograd.Function)."""
    literal = _literal(value)
    if literal is not None:
        return f"{name} = {literal}"
    if isinstance(value, types.FunctionType):
        return _function_source(value, name)
    if isinstance(value, type) and "<locals>" not in value.__qualname__:
        try:
            source = _without_annotations(textwrap.dedent(inspect.getsource(value)))
        except (OSError, TypeError, SyntaxError):
            return None
        module = sys.modules.get(value.__module__)
        names = {n for line in [source] for n in re.findall(r"\b([A-Za-z_]\w*)\b", line)}
        needed = []
        for n in sorted(names):
            target = getattr(module, n, None)
            if isinstance(target, types.ModuleType) and n != "torch":
                if target.__name__.startswith(("course_utils", "coursetools")):
                    return None
                needed.append(f"import {target.__name__} as {n}" if target.__name__ != n else f"import {n}")
        rename = [f"{name} = {value.__name__}"] if value.__name__ != name else []
        return "\n".join(needed + [source.rstrip()] + rename)
    return None


def _namespace() -> dict[str, Any]:
    import numpy as np
    import torch

    return {"torch": torch, "np": np, "numpy": np, "device": torch.device("cpu"), "math": math}


def verdict_of(exercise: Any, answer: Any) -> tuple[str, str | None]:
    """What the course's check says of ``answer``, here and now: ("correct", None) or ("wrong", mistake)."""
    from course_utils.checks import WrongAnswer
    from course_utils.checks.isolation import learner_state_kept

    try:
        with learner_state_kept(), contextlib.redirect_stdout(io.StringIO()):
            exercise.validate(answer)
    except WrongAnswer as exc:
        return "wrong", exc.mistake
    except Exception:  # noqa: BLE001 - an answer the check cannot judge: not a usable sample
        return "error", None
    return "correct", None


# ---------------------------------------------------------------------------------- filling notebooks

def solution_fills(solution: Path) -> dict[str, list[str]]:
    """The code between the markers of each exercise cell of the solution edition."""
    import nbformat

    fills: dict[str, list[str]] = {}
    for cell in nbformat.read(solution, as_version=4).cells:
        if cell.cell_type != "code" or BEGIN not in cell.source:
            continue
        match = CHECK_CALL.search(cell.source)
        if not match:
            continue
        lines, inside = [], False
        for line in cell.source.splitlines():
            if line.strip() == BEGIN:
                inside = True
            elif line.strip() == END:
                inside = False
            elif inside:
                lines.append(line)
        fills[match.group(1)] = lines
    return fills


def answer_variable(cell_source: str, exercise_id: str) -> str | None:
    """The name the exercise cell passes to check (``check("id", grads)`` -> ``grads``), or None."""
    for line in cell_source.splitlines():
        match = re.match(rf"""^\s*check\(\s*["']{re.escape(exercise_id)}["']\s*,\s*([A-Za-z_]\w*)\s*\)\s*$""", line)
        if match:
            return match.group(1)
    return None


class Chapter:
    """The learner edition of one chapter, ready to be filled in."""

    def __init__(self, chapter: str) -> None:
        import nbformat

        from coursetools.learner import build_notebook

        from course_utils.attempts import _chapter_slug

        slug = _chapter_slug(chapter)
        self.solution = next(NOTEBOOK_DIR.glob(f"[0-9][0-9]_{slug}.ipynb"))
        self.slug, self.stem = slug, self.solution.stem
        self.learner = build_notebook(self.solution)
        self.fills = solution_fills(self.solution)
        self.exercises: list[str] = []
        self.cells: dict[str, int] = {}
        for k, cell in enumerate(self.learner.cells):
            for line in cell.source.splitlines() if cell.cell_type == "code" else []:
                match = PLACEHOLDER.match(line)
                if match:
                    self.exercises.append(match.group("id"))
                    self.cells[match.group("id")] = k
        del nbformat

    def notebook(self, fills: dict[str, list[str]] | None = None) -> Any:
        """A copy of the learner edition with these exercises filled in (the others left as given)."""
        import copy

        nb = copy.deepcopy(self.learner)
        for exercise_id, lines in (fills or {}).items():
            cell = nb.cells[self.cells[exercise_id]]
            out = []
            for line in cell.source.splitlines():
                match = PLACEHOLDER.match(line)
                if match and match.group("id") == exercise_id:
                    out += lines
                else:
                    out.append(line)
            cell.source = "\n".join(out)
        return nb

    def solved(self) -> dict[str, list[str]]:
        return {e: list(self.fills[e]) for e in self.exercises if e in self.fills}

    def wrong_variants(self) -> dict[str, list[tuple[list[str], str | None]]]:
        """Per exercise, fills that give each expressible wrong example: (lines, the mistake the check names)."""
        from course_utils.checks.kinds import Wrong
        from course_utils.checks.registry import EXERCISES

        variants: dict[str, list[tuple[list[str], str | None]]] = {}
        for exercise_id in self.exercises:
            exercise = EXERCISES.get(exercise_id)
            name = answer_variable(self.learner.cells[self.cells[exercise_id]].source, exercise_id)
            if exercise is None or name is None or exercise_id not in self.fills:
                continue
            for example in exercise.wrong_examples:
                make = example.make if isinstance(example, Wrong) else example
                try:
                    value = make()
                except Exception:  # noqa: BLE001 - an example that needs a device this machine lacks
                    continue
                source = answer_source(value, name)
                if source is None:
                    continue
                expected = verdict_of(exercise, value)
                namespace = _namespace()
                try:
                    with contextlib.redirect_stdout(io.StringIO()):
                        # dont_inherit: compiled as a notebook cell is, without this module's __future__ imports
                        exec(compile(source, "<sample>", "exec", dont_inherit=True), namespace)  # noqa: S102
                    regenerated = verdict_of(exercise, namespace[name])
                except Exception:  # noqa: BLE001 - source that does not stand alone: not a usable sample
                    continue
                if expected[0] == "wrong" and regenerated == expected:
                    variants.setdefault(exercise_id, []).append((self.fills[exercise_id] + source.splitlines(),
                                                                 expected[1]))
        return variants


def _bytes(nb: Any) -> bytes:
    import nbformat

    return (nbformat.writes(nb) + "\n").encode("utf-8")


def _insert(nb: Any, index: int, source: str, cell_id: str) -> Any:
    import nbformat

    cell = nbformat.v4.new_code_cell(source)
    cell["id"] = cell_id
    nb.cells.insert(index, cell)
    return nb


def _all_correct(chapter: Chapter) -> dict[str, tuple[str, str | None]]:
    return {e: ("correct", None) for e in chapter.exercises}


# ---------------------------------------------------------------------------------- the sets

def class_of(chapter: str, learners: int, seed: int = 0, wrong_share: float = 0.35) -> list[Sample]:
    """A class of ``learners`` submissions: each exercise right, or one of its typical mistakes."""
    ch = Chapter(chapter)
    variants = ch.wrong_variants()
    rng = random.Random(seed)
    samples = []
    for k in range(learners):
        fills, expected = ch.solved(), _all_correct(ch)
        for exercise_id in ch.exercises:
            options = variants.get(exercise_id, [])
            if options and rng.random() < wrong_share:
                lines, mistake = rng.choice(options)
                fills[exercise_id], expected[exercise_id] = lines, ("wrong", mistake)
        samples.append(Sample(f"learner{k + 1:02d}-{ch.stem}.ipynb", _bytes(ch.notebook(fills)), expected))
    return samples


def sample_set(chapter: str, out_dir: Path, submissions_dir: Path, other_chapter: str = "02",
             rounds: int | None = None) -> list[Sample]:
    """Every case the grader's tests need, for one chapter: right, wrong, tampered, and bad inputs.

    ``out_dir`` and ``submissions_dir`` are where the grader will write and read: the samples that try
    to read the grader's files name them. ``rounds`` limits the submissions with typical mistakes
    (submission r makes the r-th mistake of every exercise; all of them by default).
    """
    ch = Chapter(chapter)
    first = ch.exercises[0]
    variants = ch.wrong_variants()
    samples = [Sample(f"correct-{ch.stem}.ipynb", _bytes(ch.notebook(ch.solved())), _all_correct(ch))]
    most = max((len(v) for v in variants.values()), default=0)
    for r in range(most if rounds is None else min(rounds, most)):  # submission r: the r-th mistake of each exercise
        fills, expected = ch.solved(), _all_correct(ch)
        for exercise_id, options in variants.items():
            if r < len(options):
                fills[exercise_id], expected[exercise_id] = options[r][0], ("wrong", options[r][1])
        samples.append(Sample(f"mistakes{r + 1}-{ch.stem}.ipynb", _bytes(ch.notebook(fills)), expected))

    target = next((e for e in ch.exercises if variants.get(e)), first)
    wrong_lines = variants[target][0][0] if variants.get(target) else ch.fills[target] + ["answer = None"]
    title = _title(target)

    def tampered(name: str, extra: list[str], problem: str = "tampering", replace_check: str | None = None) -> Sample:
        fills = ch.solved()
        fills[target] = wrong_lines + extra
        nb = ch.notebook(fills)
        if replace_check is not None:
            cell = nb.cells[ch.cells[target]]
            cell.source = "\n".join(replace_check if CHECK_CALL.search(line) else line
                                    for line in cell.source.splitlines())
        expected = _all_correct(ch)
        expected[target] = ("tampered", None)
        return Sample(f"{name}-{ch.stem}.ipynb", _bytes(nb), expected, problem=problem)

    samples += [
        tampered("tamper_redefine_check", ["def check(exercise_id, answer):",
                                           "    print(f'Correct: {exercise_id} (looks right)')"]),
        tampered("tamper_patch_table", ["import course_utils.checks",
                                        f"course_utils.checks.EXERCISES[{target!r}].validate = lambda answer: None"]),
        tampered("tamper_patch_wronganswer", ["import course_utils.checks",
                                              "course_utils.checks.WrongAnswer.at_level = lambda self, level: None"]),
        tampered("tamper_print_correct", [f"print('Correct: {target} ({title})')"]),
        tampered("tamper_obfuscated", [  # nothing a static scan can see: the fingerprint must find it at run time
            "table = getattr(__import__('course_utils.checks', fromlist=['x']), 'EXER' + 'CISES')",
            f"setattr(table[{target!r}], 'solu' + 'tion', lambda: {answer_variable_of(ch, target)})"]),
        tampered("tamper_edit_check_call", [], replace_check=f"print('Correct: {target} ({title})')"),
    ]
    exercise_with_given = next((e for e in ch.exercises if _given_before(ch, e)), None)
    if exercise_with_given is not None:
        nb = ch.notebook(ch.solved())
        cell = nb.cells[ch.cells[exercise_with_given]]
        lines = cell.source.splitlines()
        given = _given_before(ch, exercise_with_given)[0]
        cell.source = "\n".join(("# " + line) if line == given else line for line in lines)
        expected = _all_correct(ch)
        expected[exercise_with_given] = ("tampered", None)
        samples.append(Sample(f"tamper_edit_given_line-{ch.stem}.ipynb", _bytes(nb), expected, problem="tampering"))
    # Edits that must cost nothing: a demo cell changed (it runs as given), a scratch cell added.
    nb = ch.notebook(ch.solved())
    demo = next(k for k, c in enumerate(nb.cells) if c.cell_type == "code" and k > 1 and "check(" not in c.source)
    nb.cells[demo].source += "\nprint('I changed this cell to try something')"
    _insert(nb, demo + 1, "print('a scratch cell of my own')", "learner-scratch")
    samples.append(Sample(f"experimented-{ch.stem}.ipynb", _bytes(nb), _all_correct(ch), note="was edited"))

    # Bad inputs.
    samples.append(Sample("not_json.ipynb", b"this is not a notebook, it is a text file\n", graded=False,
                          reason="not valid JSON"))
    samples.append(Sample("json_not_notebook.ipynb", b'{"name": "alice", "answers": [1, 2, 3]}\n', graded=False,
                          reason="not a Jupyter notebook"))
    other = Chapter(other_chapter)
    samples.append(Sample(f"other_chapter-{other.stem}.ipynb", _bytes(other.notebook(other.solved())), graded=False,
                          reason="not chapter"))
    import nbformat

    stray = nbformat.v4.new_notebook()
    stray.cells = [nbformat.v4.new_markdown_cell("# My holiday notes"), nbformat.v4.new_code_cell("print('hello')")]
    samples.append(Sample("no_chapter.ipynb", _bytes(stray), graded=False, reason="not a notebook of this course"))
    unanswered = {e: ("unanswered", None) for e in ch.exercises}
    samples.append(Sample(f"unfilled-{ch.stem}.ipynb", _bytes(ch.notebook()), unanswered,
                          problem="no exercise is answered"))

    def with_cell(name: str, source: str, at: str, expected: dict, problem: str) -> Sample:
        nb = ch.notebook(ch.solved())
        index = ch.cells[first] if at == "before" else len(nb.cells)
        _insert(nb, index, source, f"learner-{name}")
        return Sample(f"{name}-{ch.stem}.ipynb", _bytes(nb), expected, problem=problem)

    loop_fills = ch.solved()
    loop_fills[first] = ["while True:", "    pass"] + ch.fills[first]
    expected = _all_correct(ch)
    expected[first] = ("timeout", None)
    samples.append(Sample(f"loops_forever-{ch.stem}.ipynb", _bytes(ch.notebook(loop_fills)), expected,
                          problem="did not finish"))
    samples += [
        with_cell("ignores_interrupt",
                  "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass",
                  "end", _all_correct(ch), "ignored the interrupt"),
        with_cell("memory_hog", "hog = bytearray(64 * 2**30)  # 64 GiB", "before", _all_correct(ch),
                  "ran out of memory"),
        with_cell("forks_forever", "import os, time\nif os.fork() == 0:\n    while True:\n        time.sleep(0.5)",
                  "before", _all_correct(ch), "process(es)"),
        with_cell("threads_forever",
                  "import threading, time\n\ndef spin():\n    while True:\n        time.sleep(0.5)\n\n"
                  "threading.Thread(target=spin).start()", "before", _all_correct(ch), "thread(s)"),
        with_cell("deletes_files", "import os, shutil\nfor name in os.listdir('.'):\n    if os.path.isfile(name):\n"
                  "        os.remove(name)\nshutil.rmtree(os.path.expanduser('~'), ignore_errors=True)",
                  "before", _all_correct(ch), "deleted"),
        with_cell("reads_grader_files", "for path in [" + repr(str(out_dir / "gradebook.csv")) + ", "
                  + repr(str(submissions_dir / f"correct-{ch.stem}.ipynb")) + "]:\n    try:\n"
                  "        print(open(path).read()[:200])\n    except OSError as exc:\n        print('refused:', exc)",
                  "before", _all_correct(ch), "grader's files"),
        with_cell("opens_socket", "import socket\nfor host in ['example.com', '93.184.216.34']:\n    try:\n"
                  "        socket.create_connection((host, 80), timeout=3).close()\n    except OSError as exc:\n"
                  "        print('refused:', exc)", "before", _all_correct(ch), "network"),
    ]
    return samples


def answer_variable_of(ch: Chapter, exercise_id: str) -> str:
    return answer_variable(ch.learner.cells[ch.cells[exercise_id]].source, exercise_id) or "None"


def _given_before(ch: Chapter, exercise_id: str) -> list[str]:
    lines = lines_of(ch.learner.cells[ch.cells[exercise_id]].source)
    out = []
    for line in lines:
        if PLACEHOLDER.match(line):
            break
        if line.strip() and not line.strip().startswith("#"):
            out.append(line)
    return out


def _title(exercise_id: str) -> str:
    from course_utils.checks.registry import EXERCISES

    exercise = EXERCISES.get(exercise_id)
    return getattr(exercise, "title", "")


def write(samples: list[Sample], folder: Path) -> dict[str, dict]:
    """Write the samples into ``folder``; return what each must give (also written as expected.json beside it)."""
    folder.mkdir(parents=True, exist_ok=True)
    for sample in samples:
        (folder / sample.name).write_bytes(sample.data)
    expected = {s.name: {"graded": s.graded, "reason": s.reason, "problem": s.problem, "note": s.note,
                         "exercises": {k: list(v) for k, v in s.expected.items()}} for s in samples}
    return expected


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m coursetools.grade_samples", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--chapter", default="01")
    parser.add_argument("--class", dest="learners", type=int, help="a class of N learners instead of the test set")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.learners:
        samples = class_of(args.chapter, args.learners, args.seed)
    else:
        samples = sample_set(args.chapter, args.folder.parent / "graded", args.folder)
    expected = write(samples, args.folder)
    (args.folder.parent / f"{args.folder.name}-expected.json").write_text(json.dumps(expected, indent=1) + "\n")
    print(f"wrote {len(samples)} sample submission(s) to {args.folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
