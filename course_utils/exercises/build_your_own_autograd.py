"""Exercises of chapter 14, Build your own autograd.

Each exercise re-implements one piece of the chapter's NumPy engine as a function of its own.
The check calls it on named cases the chapter did not show (broadcasting in both operands, a
square matrix that hides a transpose, graphs with diamonds, reused nodes and paths of
different lengths, a chain too deep for recursion), compares with a NumPy reference that the
chapter's tests hold against torch, and names the usual slips.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from course_utils.checks import Case, FunctionExercise, Mistake, Run, register, wrong
from course_utils.checks.answers import BadAnswer, describe, read_numbers
from course_utils.checks.evidence import Raised, attempt
from course_utils.checks.mistakes import recognise
from course_utils.checks.tolerance import close


def _unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


class Unreadable(Exception):
    """A part of the learner's result that cannot be read as numbers; the message says why."""


def _numbers(value: Any, what: str, limit: int) -> np.ndarray:
    """``value`` read as numbers, or :class:`Unreadable` with a sentence saying why it cannot be."""
    try:
        return read_numbers(value, max_elements=limit).values
    except BadAnswer as exc:
        raise Unreadable(f"{what} is {exc}") from None


# --- 14.1: the backward rule of division, with broadcasting -----------------------------------

def _div_backward(a: np.ndarray, b: np.ndarray, grad_out: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return _unbroadcast(grad_out / b, a.shape), _unbroadcast(-grad_out * a / b**2, b.shape)


def _div_inputs(shape_a: tuple[int, ...], shape_b: tuple[int, ...], seed: int) -> Callable[[], tuple]:
    def inputs() -> tuple:
        rng = np.random.default_rng(seed)  # a generator of its own: the learner's random state is not touched
        a = rng.uniform(-2, 2, shape_a)
        b = rng.uniform(0.5, 2, shape_b) * rng.choice([-1.0, 1.0], shape_b)
        grad_out = rng.normal(size=np.broadcast_shapes(shape_a, shape_b))
        return a, b, grad_out
    return inputs


NOT_UNBROADCAST = Mistake("a gradient with the shape of the result, not of its operand: sum it back over the axes "
                          "that broadcasting added or stretched.", name="gradient_not_unbroadcast")
OTHER_SHAPE = Mistake("each gradient summed back to the other operand's shape: grad_a takes a's shape, grad_b "
                      "takes b's.", name="unbroadcast_to_the_other_shape")
SWAPPED = Mistake("the two gradients in swapped places: return (grad_a, grad_b), in that order.",
                  name="gradients_swapped")
B_SIGN = Mistake("grad_b with the wrong sign: the derivative of b⁻¹ is negative.", name="sign_of_b_derivative")
B_SQUARE = Mistake("grad_b with b where b² belongs: the derivative of b⁻¹ is -b⁻², a power one lower.",
                   name="square_of_b_missing")
B_NO_A = Mistake("grad_b without the factor a: out = a · b⁻¹, so a stays in the derivative with respect to b.",
                 name="factor_a_missing")
NO_GRAD_OUT = Mistake("local derivatives only: each gradient must be multiplied by grad_out, the gradient "
                      "arriving from the result (chain rule).", name="grad_out_forgotten")
A_MUL_RULE = Mistake("grad_a from the rule of a · b (times b): for a / b the factor is 1 / b.",
                     name="rule_of_multiplication")


def _judge_div(run: Run) -> Any:
    a, b, grad_out = run.expected_inputs  # the reference's own copy: a learner's in-place change cannot hide here
    result = run.result
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        return f"it should return two arrays, (grad_a, grad_b); it returned {describe(result)}."
    try:
        grad_a, grad_b = (_numbers(part, name, 10 * grad_out.size + 100)
                          for part, name in zip(result, ("grad_a", "grad_b")))
    except Unreadable as exc:
        return str(exc)
    want_a, want_b = (np.asarray(w, dtype=np.float64) for w in run.expected)
    if close(grad_a, want_b) and close(grad_b, want_a) and not close(grad_a, want_a):
        return SWAPPED
    full = np.broadcast_shapes(a.shape, b.shape)
    if a.shape != b.shape and grad_a.shape == b.shape and grad_b.shape == a.shape:
        return OTHER_SHAPE
    for part, want, name in ((grad_a, want_a, "grad_a"), (grad_b, want_b, "grad_b")):
        if part.shape != want.shape:
            if part.shape == full:
                return NOT_UNBROADCAST
            return f"{name} has shape {part.shape}, but its operand has shape {want.shape}."
    if not close(grad_a, want_a):
        if close(grad_a, _unbroadcast(np.broadcast_to(1 / b, full), a.shape)):
            return NO_GRAD_OUT
        if close(grad_a, _unbroadcast(grad_out * b, a.shape)):
            return A_MUL_RULE
        return "grad_a has the right shape but the wrong values."
    if not close(grad_b, want_b):
        typical = [(B_SIGN, grad_out * a / b**2), (B_SQUARE, -grad_out * a / b), (B_NO_A, -grad_out / b**2),
                   (NO_GRAD_OUT, np.broadcast_to(-a / b**2, full))]
        return (recognise(grad_b, [(mistake, _unbroadcast(t, b.shape)) for mistake, t in typical])
                or "grad_b has the right shape but the wrong values.")
    return None


DIV_CASES = [
    Case("a and b of shape (3, 4)", _div_inputs((3, 4), (3, 4), 1), _judge_div),
    Case("a of shape (3, 4) and b of shape (4,), b broadcast over the rows", _div_inputs((3, 4), (4,), 2), _judge_div),
    Case("a of shape (3, 1) and b of shape (1, 4), both stretched", _div_inputs((3, 1), (1, 4), 3), _judge_div),
    Case("a single number a (shape ()) and b of shape (2, 3)", _div_inputs((), (2, 3), 4), _judge_div),
    Case("a of shape (2, 3) and b of shape (2, 1)", _div_inputs((2, 3), (2, 1), 5), _judge_div),
    Case("a of shape (2, 1, 3) and b of shape (4, 1), axes added and stretched",
         _div_inputs((2, 1, 3), (4, 1), 6), _judge_div),
]


# --- 14.2: un-broadcasting ---------------------------------------------------------------------

def _grad_of_shape(grad_shape: tuple[int, ...], shape: tuple[int, ...], seed: int) -> Callable[[], tuple]:
    def inputs() -> tuple:
        return np.random.default_rng(seed).normal(size=grad_shape), shape
    return inputs


def _leading_only(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    return grad


def _stretched_only(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    for axis, size in enumerate(shape):
        if axis < grad.ndim and size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


def _aligned_from_the_left(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Size-1 axes of ``shape`` matched with grad's first axes, then the extra axes summed away."""
    for axis, size in enumerate(shape):
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    return grad


NOTHING_SUMMED = Mistake("the gradient returned as it came: broadcasting copied the operand, and each copy's "
                         "share must be summed back.", name="nothing_summed")
ADDED_NOT_SUMMED = Mistake("the axes that broadcasting added in front are still there: sum them away.",
                           name="added_axes_not_summed")
STRETCHED_NOT_SUMMED = Mistake("an axis stretched from size 1 was not summed: sum it, keeping it as size 1.",
                               name="stretched_axes_not_summed")
KEEPDIMS = Mistake("the right numbers in the wrong shape: a stretched axis must stay as an axis of size 1 "
                   "(keepdims).", name="keepdims_forgotten")
LEFT_ALIGNED = Mistake("the axes lined up from the left: broadcasting matches shapes from the right (the last "
                       "axes), so the axes added in front come off first.", name="aligned_from_the_left")
AVERAGED = Mistake("averaged where a sum belongs: a copied element influenced every position it was copied to, "
                   "and those influences add up.", name="averaged_not_summed")


def _raised_on_purpose(error: BaseException) -> bool:
    """Whether ``error`` came from a ``raise`` statement (the learner's refusal), not from a failing call inside it.

    NumPy's own ValueErrors (a reshape that cannot work, an axis out of range) come from C code, which adds no
    frame: the innermost frame then stopped at a call, where a refusal stops at the raise itself.
    """
    import dis

    frame = error.__traceback__
    while frame is not None and frame.tb_next is not None:
        frame = frame.tb_next
    if frame is None:
        return False
    return any(instruction.offset == frame.tb_lasti and instruction.opname.startswith("RAISE")
               for instruction in dis.get_instructions(frame.tb_frame.f_code))


def _broadcastable(shape: tuple[int, ...], target: tuple[int, ...]) -> bool:
    """Whether an operand of ``shape`` broadcasts to ``target``: lined up from the right, each axis equal or 1."""
    return len(shape) <= len(target) and all(s in (1, t) for s, t in zip(shape[::-1], target[::-1]))


def _broadcastable_from_the_left(shape: tuple[int, ...], target: tuple[int, ...]) -> bool:
    return len(shape) <= len(target) and all(s in (1, t) for s, t in zip(shape, target))


IMPOSSIBLE_ACCEPTED = Mistake("it returned an array for an operand shape that broadcasting cannot stretch to the "
                              "gradient's shape: lined up from the right, every axis of the operand must equal the "
                              "gradient's or be 1; for any other shape, raise a ValueError.",
                              name="impossible_shape_accepted")
MORE_AXES = Mistake("an operand with more axes than the gradient was not refused: broadcasting only ever adds axes, "
                    "so such a shape is impossible; raise a ValueError.", name="more_axes_accepted")
WRONG_ERROR = Mistake("an impossible shape stopped your function, but not with a ValueError: raise one yourself, "
                      "before anything is summed (an assert raises AssertionError, and python -O skips it).",
                      name="wrong_exception_type")
VALID_REFUSED = Mistake("it raised a ValueError for a shape that broadcasting can produce: only an axis that is "
                        "neither equal to the gradient's nor 1, or an extra axis, makes a shape impossible.",
                        name="valid_shape_refused")


def _judge_unbroadcast(run: Run) -> Any:
    grad, shape = run.expected_inputs
    result = run.result
    if not _broadcastable(tuple(shape), grad.shape):   # an impossible shape: the only right answer is a ValueError
        if isinstance(result, Raised):
            if isinstance(result.error, ValueError):
                return None
            if isinstance(result.error, (IndexError, AssertionError)):
                return WRONG_ERROR
            result.reraise()
        return MORE_AXES if len(shape) > grad.ndim else IMPOSSIBLE_ACCEPTED
    if isinstance(result, Raised):
        if isinstance(result.error, ValueError) and _raised_on_purpose(result.error):
            return LEFT_ALIGNED if not _broadcastable_from_the_left(tuple(shape), grad.shape) else VALID_REFUSED
        result.reraise()   # NumPy's own complaint (a reshape that cannot work, an axis out of range): the learner's bug
    want = np.asarray(run.expected, dtype=np.float64)
    try:
        mine = _numbers(result, "the result", 10 * grad.size + 100)
    except Unreadable as exc:
        return str(exc)
    if close(mine, want):
        return None
    if mine.shape != want.shape:
        if mine.size == want.size and close(mine.reshape(want.shape), want):
            return KEEPDIMS
        if close(mine, grad):
            return NOTHING_SUMMED if grad.ndim > len(shape) and 1 in shape else (
                ADDED_NOT_SUMMED if grad.ndim > len(shape) else STRETCHED_NOT_SUMMED)
        if close(mine, _leading_only(grad, shape)):
            return STRETCHED_NOT_SUMMED
        if close(mine, _stretched_only(grad, shape)):
            return ADDED_NOT_SUMMED
        if close(mine, _aligned_from_the_left(grad, shape)):
            return LEFT_ALIGNED
        return f"it returned shape {mine.shape}, but the operand has shape {tuple(shape)}."
    copies = grad.size / max(want.size, 1)
    if copies > 1 and close(mine, want / copies):
        return AVERAGED
    return "it returned the right shape but the wrong values."


POSSIBLE = [((3, 4), (3, 4)), ((3, 4), (3, 1)), ((3, 4), (4,)), ((3, 4), (1, 4)), ((3, 4), ()), ((5,), (1,)),
            ((2, 3, 4), (3, 1)), ((2, 3, 4), (2, 1, 4)), ((2, 3, 4), (1, 1))]
IMPOSSIBLE = [((3, 4), (2, 4)), ((3, 4), (4, 3)), ((2, 3, 4), (2, 1, 3)), ((3, 4), (3,)), ((3, 4), (1, 3, 4))]
UNBROADCAST_CASES = [Case(f"a gradient of shape {g} for an operand of shape {s}", _grad_of_shape(g, s, seed),
                          _judge_unbroadcast) for seed, (g, s) in enumerate(POSSIBLE)] + [
                     Case(f"a gradient of shape {g} and the impossible operand shape {s}",
                          _grad_of_shape(g, s, seed), _judge_unbroadcast)
                     for seed, (g, s) in enumerate(IMPOSSIBLE, start=len(POSSIBLE))]


# --- 14.3: the backward of a sum over one axis ----------------------------------------------

def _sum_backward(grad_out: np.ndarray, shape: tuple[int, ...], axis: int) -> np.ndarray:
    return np.broadcast_to(np.expand_dims(grad_out, axis), shape).copy()


def _sum_inputs(shape: tuple[int, ...], axis: int, seed: int) -> Callable[[], tuple]:
    def inputs() -> tuple:
        reduced = tuple(size for i, size in enumerate(shape) if i != axis % len(shape))
        return np.random.default_rng(seed).normal(size=reduced), shape, axis
    return inputs


WRONG_AXIS = Mistake("grad_out copied along the wrong axis: broadcasting lines up trailing axes, so the summed "
                     "axis has to be put back first, as an axis of size 1.", name="copied_along_the_wrong_axis")
IGNORES_GRAD_OUT = Mistake("the same result whatever grad_out holds: each element's gradient is the incoming "
                           "gradient of the sum it belongs to, times its slope 1.", name="grad_out_ignored")
MEAN_RULE = Mistake("the backward of a mean (divided by the size of the axis): a sum gives every element "
                    "slope 1.", name="mean_not_sum")
NOT_COPIED = Mistake("the summed axis put back with size 1, but not copied along it: every element of that "
                     "axis gets the same gradient, so the result has a's full shape.", name="not_copied_along_the_axis")
NOT_EXPANDED = Mistake("grad_out returned as it came, in the result's shape: the gradient of a has a's shape.",
                       name="not_expanded")


def _judge_sum(run: Run) -> Any:
    grad_out, shape, axis = run.expected_inputs
    want = np.asarray(run.expected, dtype=np.float64)
    try:
        mine = _numbers(run.result, "the result", 10 * want.size + 100)
    except Unreadable as exc:
        return str(exc)
    if close(mine, want):
        return None
    if mine.shape != want.shape:
        if close(mine, grad_out):
            return NOT_EXPANDED
        if close(mine, np.expand_dims(grad_out, axis)):
            return NOT_COPIED
        return f"it returned shape {mine.shape}, but a has shape {tuple(shape)}."
    if grad_out.shape == tuple(shape[-grad_out.ndim:]) and close(mine, np.broadcast_to(grad_out, shape)):
        return WRONG_AXIS
    if close(mine, np.ones(shape)):
        return IGNORES_GRAD_OUT
    if close(mine, want / shape[axis]):
        return MEAN_RULE
    return "it returned the right shape but the wrong values."


SUM_CASES = [Case(f"a of shape {shape} summed over axis {axis}", _sum_inputs(shape, axis, seed), _judge_sum)
             for seed, (shape, axis) in enumerate([((3, 4), 0), ((3, 3), 1), ((3, 4), 1), ((2, 3, 4), 1),
                                                   ((2, 3, 4), -1), ((2, 3, 4), -2), ((4, 4), 0)])]


# --- 14.4: an iterative topological order -------------------------------------------------------

class Node:
    """A stand-in for the chapter's Value: only ``parents`` matters to a topological order."""

    def __init__(self, name: str, parents: tuple["Node", ...] = ()) -> None:
        self.name = name
        self.parents = parents

    def __repr__(self) -> str:
        return f"node {self.name}"


def _reachable(root: Node) -> dict[int, Node]:
    seen, stack = {id(root): root}, [root]
    while stack:
        for parent in stack.pop().parents:
            if id(parent) not in seen:
                seen[id(parent)] = parent
                stack.append(parent)
    return seen


def _leaf() -> Node:
    return Node("x")


def _square() -> Node:
    x = Node("x")
    return Node("y = x·x", (x, x))


def _x_times_x_plus_x() -> Node:
    x = Node("x")
    return Node("y = x·x + x", (Node("x·x", (x, x)), x))


def _x_plus_x_times_x() -> Node:
    x = Node("x")
    return Node("y = x + x·x", (x, Node("x·x", (x, x))))


def _diamond(flip: bool) -> Node:
    a = Node("a")
    b, c = Node("b = f(a)", (a,)), Node("c = g(a)", (a,))
    return Node("d = c + b" if flip else "d = b + c", (c, b) if flip else (b, c))


def _shortcut(flip: bool) -> Node:
    """The root uses x directly and through a chain of three steps: two paths of different lengths."""
    x = Node("x")
    step = x
    for i in range(3):
        step = Node(f"s{i}", (step,))
    return Node("y = x + s2" if flip else "y = s2 + x", (x, step) if flip else (step, x))


def _two_users_one_twice(flip: bool) -> Node:
    """x is used twice by one node (p = x·x) and once by another (q = -x): counting uses, not users, matters."""
    x = Node("x")
    p, q = Node("p = x·x", (x, x)), Node("q = -x", (x,))
    return Node("y = q + p" if flip else "y = p + q", (q, p) if flip else (p, q))


def _reused_near_and_far(flip: bool) -> Node:
    """x used twice by p = x·x, and once more by q = -x, which the root reaches one step later."""
    x = Node("x")
    p, q = Node("p = x·x", (x, x)), Node("q = -x", (x,))
    r = Node("r = f(q)", (q,))
    return Node("y = r + p" if flip else "y = p + r", (r, p) if flip else (p, r))


def _random_graph(seed: int, size: int = 60) -> Node:
    rng = np.random.default_rng(seed)
    nodes = [Node(f"leaf{i}") for i in range(4)]
    for i in range(size):
        count = int(rng.integers(1, 4))
        picks = rng.integers(max(0, len(nodes) - 12), len(nodes), size=count)  # recent nodes: long, tangled paths
        nodes.append(Node(f"n{i}", tuple(nodes[int(j)] for j in picks)))
    return Node("root", (nodes[-1], nodes[-2], nodes[len(nodes) // 2]))


def _chain(length: int = 5000) -> Node:
    node = Node("x")
    for i in range(length):
        node = Node(f"c{i}", (node, Node(f"k{i}")))
    return node


def _graph(make: Callable[[], Node]) -> Callable[[], tuple]:
    return lambda: (make(),)


def _errors_kept(answer: Callable[..., Any]) -> Callable[..., Any]:
    """The learner's function, its errors kept for the judge: a RecursionError or a ValueError can be the point."""
    return lambda *args: attempt(answer, *args)


RECURSION = Mistake("Python's recursion limit stopped the function: keep the nodes still to visit in a list of "
                    "your own instead of calling the function recursively.", name="recursive_order")
DUPLICATES = Mistake("a node listed more than once: a node used several times is still one node, placed once.",
                     name="node_listed_twice")
MISSING = Mistake("a node the root depends on is missing from the list (a node used twice by one operation is "
                  "easy to lose if uses are counted one way and uncounted another).", name="node_missing")
BEFORE_A_USER = Mistake("a node placed before one of the nodes computed from it: its gradient would be passed on "
                        "before every share had arrived.", name="placed_before_a_user")
NOT_KAHN = Mistake("a right topological order, but not one that Kahn's algorithm gives: there the next node always "
                  "comes from the end (or the front) of the list of ready nodes, the nodes whose uses have all been "
                  "placed. This looks like another method (the chapter's depth-first sort, or a sort by distance "
                  "from the root).", name="not_kahns_algorithm")
LEAVES_FIRST = Mistake("the order reversed, leaves first: backward visits the root first, and every node before "
                       "its parents.", name="leaves_first")


def _judge_order(run: Run) -> Any:
    if isinstance(run.result, Raised):
        if isinstance(run.result.error, RecursionError):
            return RECURSION
        run.result.reraise()
    root = run.inputs[0]
    reachable = _reachable(root)
    order = run.result
    if not isinstance(order, (list, tuple)):
        return f"it should return a list of nodes, the root first; it returned {describe(order)}."
    if len(order) > 4 * len(reachable) + 10:
        return f"it returned {len(order)} items for a graph of {len(reachable)} nodes."
    ids = [id(node) for node in order]
    if any(node_id not in reachable for node_id in ids):
        return "the list holds something that is not a node of this graph."
    if len(set(ids)) != len(ids):
        return DUPLICATES
    if len(ids) != len(reachable):
        return MISSING
    position = {node_id: index for index, node_id in enumerate(ids)}
    placed_early = [(node, parent) for node in order for parent in node.parents
                    if position[id(parent)] < position[id(node)]]
    if not placed_early:
        return None if _kahn_like(order, root, stack=True) or _kahn_like(order, root, stack=False) else NOT_KAHN
    if all(position[id(parent)] < position[id(node)] for node in order for parent in node.parents):
        return LEAVES_FIRST
    node, parent = placed_early[0]
    return Mistake(f"{BEFORE_A_USER.says} Here {parent!r} comes before {node!r}, which was computed from it.",
                   name=BEFORE_A_USER.name)


def _kahn_like(order: Sequence[Node], root: Node, stack: bool) -> bool:
    """Whether Kahn's algorithm, with its ready nodes in a list, can give ``order``.

    Replays the algorithm along ``order``: the root is ready first; placing a node lowers its
    parents' counts of unplaced uses, and the parents whose count reaches 0 become ready together,
    as one batch. The next node must come from the batch made ready last (``stack``: taken from
    the end of the list) or first (a queue: taken from the front), in any order within a batch,
    since a learner may release a node's parents in either direction.
    """
    uses = {node_id: 0 for node_id in _reachable(root)}
    for node in order:
        for parent in node.parents:
            uses[id(parent)] += 1
    batches: list[list[int]] = [[id(root)]]
    for node in order:
        while batches and not batches[-1 if stack else 0]:
            batches.pop(-1 if stack else 0)
        if not batches or id(node) not in batches[-1 if stack else 0]:
            return False
        batches[-1 if stack else 0].remove(id(node))
        released = []
        for parent in node.parents:
            uses[id(parent)] -= 1
            if uses[id(parent)] == 0:
                released.append(id(parent))
        if released:
            batches.append(released)
    return True


def _topological_order(root: Node) -> list[Node]:
    """Kahn's algorithm: a node is ready once every use of it has been placed."""
    reachable = _reachable(root)
    uses = {node_id: 0 for node_id in reachable}
    for node in reachable.values():
        for parent in node.parents:
            uses[id(parent)] += 1
    order, ready = [], [root]
    while ready:
        node = ready.pop()
        order.append(node)
        for parent in node.parents:
            uses[id(parent)] -= 1
            if uses[id(parent)] == 0:
                ready.append(parent)
    return order


ORDER_CASES = [Case(name, _graph(make), _judge_order) for name, make in [
    ("a single leaf (the root has no parents)", _leaf),
    ("y = x·x (one operation uses x twice)", _square),
    ("y = x·x + x (x used three times)", _x_times_x_plus_x),
    ("y = x + x·x (x used three times, the sum's own x first)", _x_plus_x_times_x),
    ("a diamond d = b + c, with b and c both made from a", lambda: _diamond(False)),
    ("a diamond d = c + b, with b and c both made from a", lambda: _diamond(True)),
    ("x reached directly and through three steps, y = s2 + x (paths of different lengths)",
     lambda: _shortcut(False)),
    ("x reached directly and through three steps, y = x + s2 (the short path first)", lambda: _shortcut(True)),
    ("x used twice by p = x·x and once by q = -x, y = p + q", lambda: _two_users_one_twice(False)),
    ("x used twice by p = x·x and once by q = -x, y = q + p", lambda: _two_users_one_twice(True)),
    ("x used twice by p = x·x and once by q = -x, y = p + r with r = f(q) (q one step further away)",
     lambda: _reused_near_and_far(False)),
    ("x used twice by p = x·x and once by q = -x, y = r + p with r = f(q) (q one step further away)",
     lambda: _reused_near_and_far(True)),
    ("a chain of 5000 operations (10,001 nodes)", _chain),
    *[(f"a random graph of 64 nodes with many reused values (number {seed})", (lambda s=seed: _random_graph(s)))
      for seed in range(4)],
]]


# --- wrong orders a beginner writes for 14.4 (kept as the check's wrong examples) ---------------

def _recursive_order(root: Node) -> list[Node]:
    order: list[Node] = []
    visited: set[int] = set()

    def visit(node: Node) -> None:
        if id(node) in visited:
            return
        visited.add(id(node))
        for parent in node.parents:
            visit(parent)
        order.append(node)

    visit(root)
    return order[::-1]


def _breadth_first(root: Node) -> list[Node]:
    order, seen, queue = [], {id(root)}, [root]
    while queue:
        node = queue.pop(0)
        order.append(node)
        for parent in node.parents:
            if id(parent) not in seen:
                seen.add(id(parent))
                queue.append(parent)
    return order


def _depth_first_preorder(root: Node) -> list[Node]:
    """A stack and a visited set, each node placed when first popped: looks right on chains and trees."""
    order: list[Node] = []
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        order.append(node)
        stack.extend(node.parents)
    return order


def _no_dedupe(root: Node) -> list[Node]:
    order: list[Node] = []
    stack = [root]
    while stack and len(order) < 50000:
        node = stack.pop()
        order.append(node)
        stack.extend(node.parents)
    return order


def _kahn_counting_users(root: Node) -> list[Node]:
    """Kahn's algorithm that counts each distinct user once, but uncounts every use."""
    reachable = _reachable(root)
    users: dict[int, set[int]] = {node_id: set() for node_id in reachable}
    for node in reachable.values():
        for parent in node.parents:
            users[id(parent)].add(id(node))
    left = {node_id: len(found) for node_id, found in users.items()}
    order, ready = [], [root]
    while ready:
        node = ready.pop(0)
        order.append(node)
        for parent in node.parents:
            left[id(parent)] -= 1
            if left[id(parent)] == 0:
                ready.append(parent)
    return order


def _kahn_uncounting_users(root: Node) -> list[Node]:
    """Kahn's algorithm that counts every use, but uncounts each distinct parent once."""
    reachable = _reachable(root)
    left = {node_id: 0 for node_id in reachable}
    for node in reachable.values():
        for parent in node.parents:
            left[id(parent)] += 1
    order, ready = [], [root]
    while ready:
        node = ready.pop()
        order.append(node)
        for parent in {id(p): p for p in node.parents}.values():
            left[id(parent)] -= 1
            if left[id(parent)] == 0:
                ready.append(parent)
    return order


def _two_pass_stack(root: Node) -> list[Node]:
    """The chapter's method (a valid order, not Kahn's): a node comes back on the stack once its parents are placed."""
    order: list[Node] = []
    visited: set[int] = set()
    stack = [(root, False)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
        elif id(node) not in visited:
            visited.add(id(node))
            stack.append((node, True))
            stack.extend((parent, False) for parent in node.parents)
    return order[::-1]


def _checked_unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """The reference of 14.2: refuse a shape that broadcasting cannot stretch to grad's, then un-broadcast."""
    if not _broadcastable(tuple(shape), grad.shape):
        raise ValueError(f"an operand of shape {tuple(shape)} cannot be broadcast to {grad.shape}")
    return _unbroadcast(grad, shape)


def _kahn_with_a_queue(root: Node) -> list[Node]:
    """Right: Kahn's algorithm with its ready nodes in a queue (taken from the front)."""
    uses: dict[int, int] = {}
    for node in _reachable(root).values():
        for parent in node.parents:
            uses[id(parent)] = uses.get(id(parent), 0) + 1
    order, ready = [], [root]
    while ready:
        node = ready.pop(0)
        order.append(node)
        for parent in node.parents:
            uses[id(parent)] -= 1
            if uses[id(parent)] == 0:
                ready.append(parent)
    return order


def _kahn_parents_reversed(root: Node) -> list[Node]:
    """Right: Kahn's algorithm with a stack, releasing each node's parents from the last to the first."""
    uses: dict[int, int] = {}
    for node in _reachable(root).values():
        for parent in node.parents:
            uses[id(parent)] = uses.get(id(parent), 0) + 1
    order, ready = [], [root]
    while ready:
        node = ready.pop()
        order.append(node)
        for parent in reversed(node.parents):
            uses[id(parent)] -= 1
            if uses[id(parent)] == 0:
                ready.append(parent)
    return order


def _by_distance_from_the_root(root: Node) -> list[Node]:
    """A valid order that is not Kahn's: every node sorted by its longest distance from the root."""
    depth, nodes, stack = {id(root): 0}, {id(root): root}, [root]
    while stack:
        node = stack.pop()
        for parent in node.parents:
            nodes[id(parent)] = parent
            if depth.get(id(parent), -1) < depth[id(node)] + 1:
                depth[id(parent)] = depth[id(node)] + 1
                stack.append(parent)
    return [nodes[node_id] for node_id in sorted(depth, key=depth.__getitem__)]


def _unbroadcast_by_axes(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Right: broadcast_shapes judges the shape; then all added axes in one sum, all stretched axes in another."""
    if np.broadcast_shapes(shape, grad.shape) != grad.shape:
        raise ValueError(f"{shape} does not broadcast to {grad.shape}")
    grad = grad.sum(axis=tuple(range(grad.ndim - len(shape))))
    return grad.sum(axis=tuple(i for i, size in enumerate(shape) if size == 1), keepdims=True)


def _validated(unbroadcast: Callable[[np.ndarray, tuple[int, ...]], np.ndarray]):
    """A wrong un-broadcast behind the right validation, so that its summing mistake is what the check sees."""
    return lambda grad, shape: _checked_unbroadcast(grad, shape) if not _broadcastable(tuple(shape), grad.shape) \
        else unbroadcast(grad, shape)


def _refuses_with_assert(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    assert _broadcastable(tuple(shape), grad.shape), "impossible shape"
    return _unbroadcast(grad, shape)


def _validates_from_the_left(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    if not _broadcastable_from_the_left(tuple(shape), grad.shape):
        raise ValueError("impossible shape")
    return _unbroadcast(grad, shape)


def _refuses_only_more_axes(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    if len(shape) > grad.ndim:
        raise ValueError("too many axes")
    return _unbroadcast(grad, shape)


def _leaves_first(root: Node) -> list[Node]:
    return _topological_order(root)[::-1]


register(
    FunctionExercise(
        id="build_your_own_autograd.div_backward",
        title="the backward rule of a / b, with broadcasting",
        hint="Two slips are common. The derivative with respect to b: write a / b as a · b⁻¹ and differentiate "
             "the power, keeping its sign and its exponent. And broadcasting: each gradient, once multiplied by "
             "grad_out, must be summed back to its own operand's shape.",
        first_step="Take a and b of the same shape first, where nothing needs summing: out = a · b⁻¹, so "
                   "d(out)/da = b⁻¹ and grad_a = grad_out / b. Then do the same for b, and pass each result "
                   "through unbroadcast with its operand's shape.",
        solution=lambda: _div_backward,
        signature="my_div_backward(a, b, grad_out)",
        cases=DIV_CASES,
        wrong_examples=[
            wrong(lambda: (lambda a, b, g: (g / b, -g * a / b**2)), "with the shape of the result"),
            wrong(lambda: (lambda a, b, g: (_unbroadcast(g / b, a.shape), _unbroadcast(g * a / b**2, b.shape))),
                  "wrong sign"),
            wrong(lambda: (lambda a, b, g: (_unbroadcast(g / b, a.shape), _unbroadcast(-g * a / b, b.shape))),
                  "where b² belongs"),
            wrong(lambda: (lambda a, b, g: (_unbroadcast(g / b, a.shape), _unbroadcast(-g / b**2, b.shape))),
                  "without the factor a"),
            wrong(lambda: (lambda a, b, g: _div_backward(a, b, g)[::-1]), "swapped places"),
            wrong(lambda: (lambda a, b, g: (_unbroadcast(g * b, a.shape), _unbroadcast(-g * a / b**2, b.shape))),
                  "rule of a · b"),
            wrong(lambda: (lambda a, b, g: _div_backward(a, b, g)[0]), "two arrays"),
            wrong(lambda: (lambda a, b, g: _div_backward(a, b, np.ones_like(g))), "multiplied by grad_out"),
            wrong(lambda: (lambda a, b, g: (_unbroadcast(g / b, b.shape), _unbroadcast(-g * a / b**2, a.shape))),
                  "the other operand's shape"),
        ],
        right_examples=[lambda: (lambda a, b, g: list(_div_backward(a, b, g))),
                        lambda: (lambda a, b, g: tuple(np.asarray(p, dtype=np.float32)
                                                       for p in _div_backward(a, b, g)))],
    ),
    FunctionExercise(
        id="build_your_own_autograd.unbroadcast",
        title="un-broadcast a gradient back to an operand's shape, refusing impossible shapes",
        hint="Two jobs. First judge the shape with the rule of broadcasting: line the two shapes up from the right; "
             "every axis of the operand must equal the gradient's or be 1, and the operand cannot have more axes. "
             "Then undo both things broadcasting does, by summing: axes added in front are summed away, axes "
             "stretched from size 1 are summed and kept as size 1.",
        first_step="For grad of shape (2, 3, 4) and shape (3, 1): line them up from the right, 1 against 4 and 3 "
                   "against 3, so the shape is possible. Sum over axis 0 while grad has more axes than shape (once "
                   "here, leaving (3, 4)); then, for every axis where shape has a 1 and grad does not, sum over it "
                   "with keepdims=True. For (2, 4) against (3, 4), 2 against 3 fails the rule: raise ValueError.",
        solution=lambda: _checked_unbroadcast,
        signature="my_unbroadcast(grad, shape)",
        cases=UNBROADCAST_CASES,
        adapt=_errors_kept,
        right_examples=[lambda: _unbroadcast_by_axes],
        wrong_examples=[
            wrong(lambda: _unbroadcast, "raise a ValueError"),
            wrong(lambda: _refuses_only_more_axes, "raise a ValueError"),
            wrong(lambda: _refuses_with_assert, "not with a ValueError"),
            wrong(lambda: _validates_from_the_left, "lined up from the left"),
            wrong(lambda: _validated(_leading_only), "stretched from size 1 was not summed"),
            wrong(lambda: _validated(_stretched_only), "added in front are still there"),
            wrong(lambda: _validated(lambda grad, shape: grad), "stretched from size 1 was not summed"),
            wrong(lambda: _validated(lambda grad, shape: _unbroadcast(grad, shape) * np.prod(shape) / grad.size),
                  "averaged"),
            wrong(lambda: _validated(lambda grad, shape: _unbroadcast(grad, shape).reshape(
                [s for s in shape if s != 1])), "keepdims"),
            wrong(lambda: _validated(lambda grad, shape: np.full(shape, grad.mean())), "wrong values"),
            wrong(lambda: _validated(_aligned_from_the_left), "lined up from the left"),
        ],
    ),
    FunctionExercise(
        id="build_your_own_autograd.sum_backward",
        title="the backward of a sum over one axis",
        hint="Every element of a contributes with slope 1 to the sum it belongs to, so the gradient is grad_out "
             "copied along the summed axis. Put that axis back first, as an axis of size 1: broadcasting lines "
             "up trailing axes, which silently transposes a square result.",
        first_step="For a of shape (3, 4) summed over axis 1, grad_out has shape (3,). Put the summed axis back as "
                   "an axis of size 1, at position 1: that gives shape (3, 1). Then copy it along that axis, to "
                   "(3, 4). The same two steps work for any axis, negative ones included.",
        solution=lambda: _sum_backward,
        signature="my_sum_backward(grad_out, shape, axis)",
        cases=SUM_CASES,
        wrong_examples=[
            wrong(lambda: (lambda g, shape, axis: np.broadcast_to(g, shape).copy()), "along the wrong axis"),
            wrong(lambda: (lambda g, shape, axis: np.ones(shape)), "whatever grad_out holds"),
            wrong(lambda: (lambda g, shape, axis: _sum_backward(g, shape, axis) / shape[axis]), "backward of a mean"),
            wrong(lambda: (lambda g, shape, axis: g), "returned as it came"),
            wrong(lambda: (lambda g, shape, axis: np.expand_dims(g, axis)), "not copied along it"),
            wrong(lambda: (lambda g, shape, axis: np.repeat(np.expand_dims(g, axis), 2, axis=axis)), "has shape"),
        ],
        right_examples=[lambda: (lambda g, shape, axis: np.repeat(np.expand_dims(g, axis), shape[axis], axis=axis)),
                        lambda: (lambda g, shape, axis: np.broadcast_to(np.expand_dims(g, axis), shape))],
    ),
    FunctionExercise(
        id="build_your_own_autograd.topological_order",
        title="a topological order by Kahn's algorithm, without recursion",
        hint="A node's gradient is complete only once every node computed from it has passed its share back. In "
             "Kahn's algorithm a node becomes ready when all of its uses have been placed, and the next node placed "
             "is always a ready one, taken from one end of the list of ready nodes. Count every use (x in x·x "
             "twice), lower the counts once per use, and place each node once.",
        first_step="Count first: walk the graph from the root with a stack, and for every parent in node.parents "
                   "add 1 to uses[parent] (once per use, so x in x·x counts 2). Then the root is the only node "
                   "ready to be placed: ready = [root].",
        solution=lambda: _topological_order,
        signature="my_topological_order(root)",
        cases=ORDER_CASES,
        adapt=_errors_kept,
        right_examples=[lambda: _kahn_with_a_queue, lambda: _kahn_parents_reversed],
        wrong_examples=[
            wrong(lambda: _two_pass_stack, "not one that Kahn's algorithm gives"),
            wrong(lambda: _by_distance_from_the_root, "not one that Kahn's algorithm gives"),
            wrong(lambda: _recursive_order, "recursion limit"),
            wrong(lambda: _breadth_first, "placed before one of the nodes computed from it"),
            wrong(lambda: _depth_first_preorder, "placed before one of the nodes computed from it"),
            wrong(lambda: _no_dedupe, "more than once"),
            wrong(lambda: _kahn_counting_users, "placed before one of the nodes computed from it"),
            wrong(lambda: _kahn_uncounting_users, "missing"),
            wrong(lambda: _leaves_first, "leaves first"),
            wrong(lambda: (lambda root: [root]), "missing"),
        ],
    ),
)
