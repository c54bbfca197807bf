"""Every torch (and course_utils) API a chapter's code uses for the first time in the course is named in its prose.

For each chapter, in course order, the test collects the APIs its code cells use: dotted names
rooted at ``torch`` (and the modules and names imported from it, such as ``nn`` or ``F``), names
from ``course_utils``, and attributes and methods of tensors (``.backward``, ``.grad``,
``.detach``...). Those not used in an earlier chapter are new here, and each must appear in
code formatting (between backticks) somewhere in the chapter's markdown: a learner meets no
tool the text has not named. The test prints the list of new APIs per chapter when it fails.
"""
from __future__ import annotations

import ast
import re

import nbformat
import pytest
import torch

from coursetools.notebooks import chapter_notebooks

CHAPTERS = chapter_notebooks()
TENSOR_NAMES = {name for name in dir(torch.Tensor) if not name.startswith("_")}
# Tensor attribute names that are just as often str, list or dict methods in a chapter's code.
AMBIGUOUS = {"split", "index", "count", "copy", "values", "apply", "type", "add", "register_hook_dict"}
TORCH_ROOTS = ("torch", "course_utils")


def _imports(tree: ast.AST) -> dict[str, str]:
    """Local names bound to torch or course_utils objects: {"nn": "torch.nn", "F": "torch.nn.functional", ...}."""
    bound: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in TORCH_ROOTS:
                    top = alias.name.split(".")[0]
                    bound[alias.asname or top] = alias.name if alias.asname else top
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in TORCH_ROOTS:
            for alias in node.names:
                bound[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return bound


def _dotted(node: ast.AST) -> list[str] | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return [node.id, *reversed(parts)]
    return None


def apis_used(source: str, bound: dict[str, str]) -> set[str]:
    """The API names (last component) that ``source`` uses.

    >>> sorted(apis_used("with torch.no_grad():\\n    y = x.detach().sum()", {}))
    ['detach', 'no_grad', 'sum']
    """
    code = "\n".join(line for line in source.split("\n") if not line.lstrip().startswith(("%", "!")))
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return set()
    bound = {**bound, **_imports(tree)}
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            chain = _dotted(node)
            if chain and (chain[0] in TORCH_ROOTS or chain[0] in bound):
                found.update(part for part in chain[1:] if not part.startswith("_"))
            elif node.attr in TENSOR_NAMES and node.attr not in AMBIGUOUS:
                found.add(node.attr)
        elif isinstance(node, ast.Name) and node.id in bound and isinstance(node.ctx, ast.Load):
            found.add(bound[node.id].split(".")[-1])
    return found


def mentioned(markdown: str) -> set[str]:
    """Identifiers that appear inside backticks in ``markdown``."""
    names: set[str] = set()
    markdown = re.sub(r"(```|~~~).*?\1", " ", markdown, flags=re.S)  # a fenced block is code, not prose
    for span in re.findall(r"`([^`]+)`", markdown):
        names.update(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", span))
    return names


def new_apis_per_chapter() -> dict[str, tuple[set[str], set[str]]]:
    """{chapter: (APIs first used there, identifiers its prose names)} in course order."""
    seen: set[str] = set()
    result = {}
    for path in CHAPTERS:
        nb = nbformat.read(path, as_version=4)
        code_cells = [c.source for c in nb.cells if c.cell_type == "code"][1:]  # the setup cell is shared
        bound: dict[str, str] = {}
        used: set[str] = set()
        for source in code_cells:
            try:
                code = "\n".join(line for line in source.split("\n") if not line.lstrip().startswith(("%", "!")))
                bound.update(_imports(ast.parse(code)))
            except SyntaxError:
                pass
            used |= apis_used(source, bound)
        markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
        result[path.name] = (used - seen, mentioned(markdown))
        seen |= used
    return result


@pytest.mark.parametrize("chapter", [p.name for p in CHAPTERS])
def test_every_new_api_is_named_in_the_prose(chapter: str) -> None:
    new, named = new_apis_per_chapter()[chapter]
    missing = sorted(new - named)
    assert not missing, (f"{chapter} uses these APIs for the first time in the course without naming them in "
                         f"its text (between backticks): {missing}. All its new APIs: {sorted(new)}")
