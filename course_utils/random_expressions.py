"""Random expressions for testing an autograd engine against torch (chapter 14; also ``tests/test_stepthrough.py``).

A **program** is a list of steps ``(op, i, j)``: apply ``op`` to values number ``i`` and ``j`` of a
pool that starts with the leaves and grows by one value per step (``j`` is ``None`` for one-input
operations). :func:`random_program` grows each step from the latest value and takes a binary
operation's second operand from any earlier value, so values get reused; the leaves have shapes that
broadcast with each other, plus a (4, 4) matrix ``S`` for ``@``. Every operation is written with
operators and methods that chapter 14's ``Value`` and ``torch.Tensor`` both have, so one program runs
on either, and :func:`evaluate` returns the sum of its last value.

>>> import numpy as np
>>> describe(random_program(np.random.default_rng(0), n_steps=2))
'v1 = tanh(s); v2 = -v1; result = sum(v2)'
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

Step = tuple[str, int, "int | None"]

LEAF_SHAPES: dict[str, tuple[int, ...]] = {"A": (3, 4), "B": (4,), "C": (3, 1), "D": (1, 4), "s": (), "S": (4, 4)}
UNARY: dict[str, Callable[[Any], Any]] = {
    "neg": lambda a: -a, "square": lambda a: a**2, "cube": lambda a: a**3, "twice": lambda a: 2 * a,
    "plus_one": lambda a: a + 1, "exp": lambda a: a.exp(), "tanh": lambda a: a.tanh(), "relu": lambda a: a.relu(),
    "sum": lambda a: a.sum(), "mean": lambda a: a.mean()}
BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b, "matmul": lambda a, b: a @ b}
SYMBOLS = {"add": "+", "sub": "-", "mul": "*", "matmul": "@"}
UNARY_TEXT = {"neg": "-{}", "square": "{}**2", "cube": "{}**3", "twice": "2 * {}", "plus_one": "{} + 1"}


def evaluate(program: Sequence[Step], leaves: Sequence[Any]) -> Any:
    """Run ``program`` on ``leaves`` (Values or tensors, in the order of ``LEAF_SHAPES``); return the summed result.

    >>> import torch
    >>> leaves = [torch.ones(shape) for shape in LEAF_SHAPES.values()]
    >>> evaluate([("twice", 0, None), ("add", 6, 1)], leaves)
    tensor(36.)
    """
    pool = list(leaves)
    for op, i, j in program:
        pool.append(UNARY[op](pool[i]) if j is None else BINARY[op](pool[i], pool[j]))
    return pool[-1].sum()


def random_step(rng: np.random.Generator, shapes: Sequence[tuple[int, ...]], i: int,
                others: Sequence[int]) -> tuple[Step, tuple[int, ...]]:
    """A random step on value ``i`` (a binary one also takes a value from ``others``), and its result's shape.

    >>> random_step(np.random.default_rng(1), list(LEAF_SHAPES.values()), 0, [0, 1, 2, 3, 4])
    (('mul', 0, 3), (3, 4))
    """
    kind = rng.choice(["unary", "binary", "matmul"], p=[0.4, 0.45, 0.15])
    if kind == "matmul" and shapes[i] in [(3, 4), (1, 4)]:
        return ("matmul", i, 5), shapes[i]     # value @ S (number 5 in the pool) keeps the shape
    if kind != "unary":                        # a matmul that does not fit becomes add, sub or mul
        j = int(rng.choice(others))
        op = str(rng.choice(["add", "sub", "mul"]))
        return (op, i, j), tuple(np.broadcast_shapes(shapes[i], shapes[j]))
    op = str(rng.choice(list(UNARY)))
    return (op, i, None), () if op in ("sum", "mean") else tuple(shapes[i])


def random_program(rng: np.random.Generator, n_steps: int = 6) -> list[Step]:
    """``n_steps`` random steps: the first on a random leaf (never ``S``), each later one on the latest value.

    >>> len(random_program(np.random.default_rng(0), n_steps=4))
    4
    """
    shapes = list(LEAF_SHAPES.values())
    broadcastable = [i for i, shape in enumerate(shapes) if shape != (4, 4)]  # every value but S
    program: list[Step] = []
    for _ in range(n_steps):
        i = len(shapes) - 1 if program else int(rng.choice(broadcastable))   # grow from the latest result
        step, shape = random_step(rng, shapes, i, broadcastable)
        program.append(step)
        shapes.append(shape)
        broadcastable.append(len(shapes) - 1)
    return program


def describe(program: Sequence[Step]) -> str:
    """``program`` as a line of assignments, naming the result of step k ``vk``.

    >>> describe([("mul", 0, 2), ("tanh", 6, None)])
    'v1 = A * C; v2 = tanh(v1); result = sum(v2)'
    """
    names, lines = list(LEAF_SHAPES), []
    for k, (op, i, j) in enumerate(program, start=1):
        a = names[i]
        text = f"{a} {SYMBOLS[op]} {names[j]}" if j is not None else UNARY_TEXT.get(op, op + "({})").format(a)
        names.append(f"v{k}")
        lines.append(f"v{k} = {text}")
    return "; ".join(lines) + f"; result = sum(v{len(program)})"
