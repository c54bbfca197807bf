"""When a cell fails because it needs an earlier cell, say which one.

A learner re-runs cells, skips some, runs one twice. A cell that uses up what an earlier
cell built (``y.backward()`` frees the graph ``y`` was computed with) cannot simply be run
again; such a cell says so on its first line::

    # Needs: the cell above, which builds y (run it again before this one).
    y.backward()

If it then fails, the note under the error repeats that line, so the message says what to
do rather than only what torch found. A ``NameError`` gets a note too: the name is usually
defined in a cell above that has not been run. :func:`start_chapter` installs this once per
kernel; outside IPython it does nothing.
"""
from __future__ import annotations

from typing import Any

NEEDS = "# Needs:"


def needs_line(source: str) -> str | None:
    """What a cell's first line says it needs, or None.

    >>> needs_line("# Needs: the cell above, which builds y.\\ny.backward()")
    'the cell above, which builds y.'
    """
    first = source.lstrip("\n").split("\n", 1)[0].strip()
    return first[len(NEEDS):].strip() if first.startswith(NEEDS) else None


def note_for(source: str, error: BaseException) -> str | None:
    """The line shown under ``error`` raised by a cell with ``source``, or None for no note.

    >>> note_for("# Needs: the cell above, which builds y.\\ny.backward()", RuntimeError("graph freed"))
    'This cell needs the cell above, which builds y. Run that cell again, then this one.'
    """
    need = needs_line(source)
    if need:
        return f"This cell needs {need.rstrip('.')}. Run that cell again, then this one."
    if isinstance(error, NameError):
        return ("A name that an earlier cell defines is missing: run the cells above this one first "
                "(in JupyterLab: Run > Run All Above Selected Cell).")
    return None


def install() -> bool:
    """Add the notes to this IPython kernel's error display; False outside IPython.

    >>> install()
    False
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with every notebook
        return False
    shell = get_ipython()
    if shell is None or not hasattr(shell, "set_custom_exc"):
        return False
    if getattr(shell, "_course_cell_notes", False):
        return True

    def show_with_note(shell: Any, etype: type, value: BaseException, tb: Any, tb_offset: int | None = None) -> None:
        shell.showtraceback((etype, value, tb), tb_offset=tb_offset)
        inputs = shell.user_ns.get("_ih") or [""]
        note = note_for(inputs[-1], value)
        if note:
            print(note, flush=True)

    shell.set_custom_exc((Exception,), show_with_note)
    shell._course_cell_notes = True
    return True
