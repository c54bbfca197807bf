"""Reading an answer to a choice exercise: option labels in any reasonable spelling.

The rule for labels (documented in CONTRIBUTING): case and spacing do not matter
(``"JacRev"`` is ``"jacrev"``, ``"(1,1)"`` is ``"(1, 1)"``), and where a label names a Python
value, that value is accepted too: ``None`` for ``"None"``, a tuple or a ``torch.Size`` for
``"(1, 1)"``, a number (``1.05``, ``Fraction(1, 8)``) for ``"1.05"`` or ``"1/8"``, and a function
or class for its name (``torch.func.jacrev`` for ``"jacrev"``). A set of labels may come as a set,
a list, a tuple or ``dict.keys()``.

Labels are compared through :func:`label_key`, a canonical key built from plain Python
values, so an answer's own ``__eq__`` is never called.

>>> label_key("(1,1)") == label_key((1, 1)) == label_key(" ( 1, 1 ) ")
True
>>> label_key("None") == label_key(None)
True
"""
from __future__ import annotations

import ast
import decimal
import fractions
import re
from collections.abc import KeysView, ValuesView
from typing import Any, Hashable

import numpy as np

_SIZE = re.compile(r"^torch\.size\((\[.*\])\)$")


def _number_key(number: Any) -> tuple[str, fractions.Fraction] | None:
    try:
        if isinstance(number, bool):
            return None
        if isinstance(number, int):
            return ("number", fractions.Fraction(int.__int__(number)))
        if isinstance(number, float):
            return ("number", fractions.Fraction(repr(float.__float__(number))))
        if isinstance(number, fractions.Fraction):
            return ("number", fractions.Fraction(number.numerator, number.denominator))
        if isinstance(number, decimal.Decimal):
            return ("number", fractions.Fraction(decimal.Decimal.__str__(number)))
        if isinstance(number, np.integer):
            return ("number", fractions.Fraction(int(number)))
        if isinstance(number, np.floating):
            return ("number", fractions.Fraction(repr(float(number))))
    except (ValueError, OverflowError, ZeroDivisionError):
        return None
    return None


def _text_key(text: str) -> Hashable:
    compact = "".join(text.split()).lower()
    if compact in ("none", "null"):
        return ("none",)
    if compact in ("true", "false"):
        return ("bool", compact == "true")
    try:
        return ("number", fractions.Fraction(compact))
    except (ValueError, ZeroDivisionError):
        pass
    size = _SIZE.match(compact)
    literal = size.group(1) if size else compact
    if literal[:1] in "([":
        try:
            parsed = ast.literal_eval(literal)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return ("text", compact)
        if isinstance(parsed, (tuple, list)):
            return label_key(tuple(parsed))
    return ("text", compact)


def label_key(value: Any) -> Hashable:
    """The canonical, hashable form of one label (see the module docstring)."""
    import torch

    if value is None:
        return ("none",)
    if isinstance(value, (bool, np.bool_)):
        return ("bool", bool(value))
    number = _number_key(value)
    if number is not None:
        return number
    if isinstance(value, str):
        return _text_key(str.__str__(value))
    if isinstance(value, torch.Size):
        return ("tuple", tuple(("number", fractions.Fraction(int(size))) for size in tuple.__iter__(value)))
    if isinstance(value, (tuple, list)):
        items = list(tuple.__iter__(value)) if isinstance(value, tuple) else list(list.__iter__(value))
        if len(items) > 64:
            raise ValueError(f"a {type(value).__name__} of {len(items)} items is not a label")
        return ("tuple", tuple(label_key(item) for item in items))
    if isinstance(value, torch.Tensor) and value.numel() == 1 and not value.requires_grad:
        return label_key(value.item())
    name = getattr(value, "__name__", None) if callable(value) else None
    if isinstance(name, str) and name.isidentifier():
        return _text_key(name)  # a function or class stands for its name: torch.func.jacrev for "jacrev"
    raise ValueError(f"a {type(value).__name__} is not a label")


def is_collection(value: Any) -> bool:
    """True for the containers a set of labels may come in (not a string, not a dict itself)."""
    return isinstance(value, (set, frozenset, list, tuple, KeysView, ValuesView)) and not isinstance(value, str)


def items_of(value: Any) -> list[Any]:
    """The items of a label collection, read with the base class's iterator.

    >>> sorted(items_of({"b": 1, "a": 2}.keys()))
    ['a', 'b']
    """
    unordered: tuple[Any, ...] = (set, frozenset)
    ordered: tuple[Any, ...] = (list, tuple)
    for base in unordered:
        if isinstance(value, base):  # a set has no order: sort, so feedback names the same item every run
            return sorted(base.__iter__(value), key=_stable_order)
    for base in ordered:
        if isinstance(value, base):
            return list(base.__iter__(value))
    return list(value)


_PLAIN = (str, int, float, bool, type(None))


def _stable_order(item: Any) -> tuple[int, str, str]:
    """A sort key that does not depend on hash randomisation, and calls no code of the learner's classes.

    Plain values (and tuples of them) sort by type name and repr; anything else keeps its place after them.
    """
    plain = type(item) in _PLAIN or (type(item) is tuple and all(type(part) in _PLAIN for part in item))
    return (0, type(item).__name__, repr(item)) if plain else (1, "", "")
