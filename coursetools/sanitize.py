"""The nbval sanitize rules, read from the one shared file and applied outside nbval too.

The determinism and run-twice tests compare outputs the way nbval does, so they
use the same rules from ``tests/nbval_sanitize.cfg``.
"""
from __future__ import annotations

import configparser
import re
from pathlib import Path

from coursetools.paths import SANITIZE_FILE


def load_rules(path: Path = SANITIZE_FILE) -> list[tuple[re.Pattern[str], str]]:
    """The (regex, replacement) pairs in file order; a section without both keys is an error."""
    parser = configparser.ConfigParser()
    if not parser.read(path, encoding="utf-8"):
        raise FileNotFoundError(f"sanitize file {path} not found")
    rules = []
    for section in parser.sections():
        regex, replace = parser[section].get("regex"), parser[section].get("replace")
        if not regex or not replace:
            raise ValueError(f"{path}: section [{section}] needs both a non-empty regex and replace")
        rules.append((re.compile(regex), replace))
    return rules


def sanitize(text: str, rules: list[tuple[re.Pattern[str], str]] | None = None) -> str:
    """Apply every rule in order, as nbval does.

    >>> sanitize("tensor([1.], device='cuda:0')")
    'tensor([1.])'
    """
    for pattern, replacement in rules if rules is not None else load_rules():
        text = pattern.sub(replacement, text)
    return text


def cell_text(cell) -> str:
    """What nbval compares in a code cell's outputs, as one sanitized string (images excluded).

    A stream may arrive in several pieces, so stdout and stderr are joined per name first.
    """
    streams: dict[str, str] = {}
    parts = []
    for output in cell.get("outputs", []):
        kind = output.get("output_type")
        if kind == "stream":
            name = output.get("name", "stdout")
            streams[name] = streams.get(name, "") + output.get("text", "")
        elif kind in ("execute_result", "display_data"):
            plain = output.get("data", {}).get("text/plain", "")
            parts.append(plain if isinstance(plain, str) else "".join(plain))
        elif kind == "error":
            parts.append(f"[error] {output.get('ename')}: {output.get('evalue')}")
    joined = "".join(f"[{name}] {text}" for name, text in sorted(streams.items())) + "".join(parts)
    return sanitize(joined)
