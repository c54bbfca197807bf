"""Chapter 07 (linear regression from scratch): the wrong answers a beginner typed in a real kernel.

Found by playing the learner edition through a kernel, answer by answer. Each case is the
learner's code as typed (a function, or the value the cell passes) and the name of the
misconception the check must record (the instructor's report counts it), or None where a clear
sentence is the right reply and no misconception applies. Further tests pin what the chapter's
prose claims to its stored outputs (the learning-rate limit, the slider's values) and re-run a
cell out of order, as a learner does.
"""
from __future__ import annotations

import ast
import re
from dataclasses import replace
from fractions import Fraction

import nbformat
import pytest
import torch

from course_utils.checks import EXERCISES, ChoiceExercise, WrongAnswer, check, reset_attempts
from course_utils.exercises import linear_regression_from_scratch as ex
from coursetools.notebooks import chapter_notebooks

EX = "linear_regression_from_scratch"
CHAPTER = next(p for p in chapter_notebooks() if p.name.startswith("07_"))


@pytest.fixture(autouse=True)
def strict(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COURSE_CHECKS_STRICT", "1")
    reset_attempts()


def verdict(exercise_id: str, answer) -> WrongAnswer:
    with pytest.raises(WrongAnswer) as info:
        check(f"{EX}.{exercise_id}", answer)
    return info.value


def cells():
    return nbformat.read(CHAPTER, as_version=4).cells


def cell(cell_id: str):
    return next(c for c in cells() if c.get("id") == f"{EX}-{cell_id}")


def stored_text(c) -> str:
    return "".join("".join(o.get("text", "")) for o in c.outputs if o.output_type == "stream")


# --- 7.1: which learning rates diverge once every x is doubled ----------------------------------------

@pytest.mark.parametrize("answer, mistake, says", [
    (set(), "limit_did_not_move", "the limit moves"),
    ({"0.7"}, "curvature_doubled_not_quadrupled", "multiplies it by four"),
    ("0.7", "curvature_doubled_not_quadrupled", "multiplies it by four"),
    ({"0.2", "0.3", "0.4", "0.7"}, "overshoot_is_not_divergence", "still lands closer"),
    ({0.2, 0.3, 0.4, 0.7}, "overshoot_is_not_divergence", "still lands closer"),
    ({"0.4", "0.7"}, None, "at least one option is judged wrong"),
    ({"1.05", "1.5"}, None, "is not one of the options"),      # the undoubled data's answer
    ("0.3, 0.4, 0.7", None, "expected a set of option labels"),
])
def test_7_1_wrong_answers_are_named(answer, mistake, says) -> None:
    wrong = verdict("diverging_learning_rates", answer)
    assert wrong.mistake == mistake
    assert says in " ".join(str(wrong).split())


@pytest.mark.parametrize("answer", [{"0.3", "0.4", "0.7"}, {0.3, 0.4, 0.7}, [0.3, 0.4, 0.7],
                                    ("0.3", "0.4", "0.7"), {"0.30", " 0.4", "0.70"},
                                    {Fraction(3, 10), Fraction(2, 5), Fraction(7, 10)},
                                    {"0.3": 1, "0.4": 1, "0.7": 1}.keys()])
def test_7_1_every_reasonable_form_of_the_right_answer_passes(answer, capsys) -> None:
    check(f"{EX}.diverging_learning_rates", answer)
    assert capsys.readouterr().out.startswith("Correct:")


def test_float_labels_are_read_as_the_options_they_name() -> None:
    """Issue 13: the old 7.1 answer {1.05, 1.5} typed as floats was refused; the label rule reads it now."""
    old = ChoiceExercise("demo.old_7_1", "the old 7.1", "h", lambda: {"1.05", "1.5"},
                         options=("0.01", "0.1", "0.5", "0.9", "1.05", "1.5"), multiple=True)
    assert old.read({1.05, 1.5}) == frozenset({"1.05", "1.5"})
    old.validate({1.05, 1.5})


def test_7_1_options_lie_well_away_from_the_limit_so_theory_and_the_30_step_test_agree() -> None:
    X, _ = ex._data()
    x = ex.SCALE * X[:, 0].double()
    hessian = 2 * torch.tensor([[(x * x).mean().item(), x.mean().item()], [x.mean().item(), 1.0]], dtype=torch.float64)
    limit = 2 / torch.linalg.eigvalsh(hessian)[-1].item()
    for label in ex.LEARNING_RATES:
        lr = float(label)
        assert abs(lr - limit) > 0.1 * limit, f"{label} is too close to the limit {limit:.4f}"
        assert (label in ex._diverging()) == (lr > limit)
    assert ex._diverging() == {"0.3", "0.4", "0.7"}


def test_no_cell_after_exercise_7_1_trains_on_the_doubled_data() -> None:
    code = [c.source for c in cells() if c.cell_type == "code"]
    after = code[next(i for i, s in enumerate(code) if "diverging_learning_rates" in s) + 1:]
    assert not any(re.search(r"\b2\s*\*\s*X\b|SCALE", s) for s in after)


# --- 7.2: the gradient, by hand -----------------------------------------------------------------------

def copied(X, y, w, b):
    return -3.9221, -3.4520


def by_backward(X, y, w, b):
    ((X @ w + b - y) ** 2).mean().backward()
    return w.grad, b.grad


def flipped(X, y, w, b):
    r = y - (X @ w + b)
    return 2 * (r * X).mean(), 2 * r.mean()


def no_two(X, y, w, b):
    r = X @ w + b - y
    return (r * X).mean(), r.mean()


def summed(X, y, w, b):
    r = X @ w + b - y
    return 2 * (r * X).sum(), 2 * r.sum()


def swapped(X, y, w, b):
    r = X @ w + b - y
    return 2 * r.mean(), 2 * (r * X).mean()


def means_multiplied(X, y, w, b):
    r = X @ w + b - y
    return 2 * r.mean() * X.mean(), 2 * r.mean()


def flat_target(X, y, w, b):
    r = X @ w + b - y.reshape(-1)
    return 2 * (r * X).mean(), 2 * r.mean()


def only_dw(X, y, w, b):
    r = X @ w + b - y
    return 2 * (r * X).mean()


def dw_twice(X, y, w, b):
    r = X @ w + b - y
    return 2 * (r * X).mean(), 2 * (r * X).mean()


@pytest.mark.parametrize("answer, mistake, says", [
    ({"w": -3.9221, "b": -3.4520}, None, "pass the function itself"),
    (copied, "copied_chapter_numbers", "not of these inputs"),
    (by_backward, "used_backward_instead_of_by_hand", "autograd computed these numbers"),
    (flipped, "sign_flipped", "sign is flipped"),
    (no_two, "dropped_factor_two", "factor 2"),
    (summed, "sum_instead_of_mean", "a sum over the samples"),
    (swapped, "w_and_b_swapped", "wrong order"),
    (means_multiplied, "product_of_means", "mean of the products"),
    (flat_target, "residual_broadcast", "n × n matrix"),
    (only_dw, None, "it returned a tensor of shape () and dtype torch.float32, requires_grad=True; return the pair"),
])
def test_7_2_wrong_answers_are_named(answer, mistake, says) -> None:
    wrong = verdict("gradient_by_hand", answer)
    assert wrong.mistake == mistake
    assert says in " ".join(str(wrong).split())


@pytest.mark.parametrize("answer", [
    lambda X, y, w, b: {"w": (2 * ((X @ w + b - y) * X).mean()).item(), "b": (2 * (X @ w + b - y).mean()).item()},
    lambda X, y, w, b: (2 * X.T @ (X @ w + b - y) / len(X), 2 * (X @ w + b - y).mean(dim=0)),
    lambda X, y, w, b: torch.stack([2 * ((X @ w + b - y) * X).mean(), 2 * (X @ w + b - y).mean()]).detach().numpy(),
    # one row (1, 2) of the two derivatives, the matrix products kept at shape (1, 1)
    lambda X, y, w, b: torch.cat([2 * X.T @ (X @ w + b - y) / len(X), 2 * (X @ w + b - y).mean(0, keepdim=True)], 1),
])
def test_7_2_other_correct_forms_pass(answer) -> None:
    check(f"{EX}.gradient_by_hand", answer)


def test_7_2_gives_the_learners_function_its_tensors_on_the_course_device(monkeypatch: pytest.MonkeyPatch) -> None:
    """On a GPU the notebook's tensors live on `device`: a case left on the CPU would make a learner's
    torch.ones(len(X), 1, device=device) fail with a device mismatch. The meta device stands in for the GPU here
    (it holds no numbers, so the learner's function stops once it has seen its inputs)."""
    seen = []

    def records_its_inputs(X, y, w, b):
        seen.append({t.device.type for t in (X, y, w, b)})
        raise RuntimeError("inputs seen")

    monkeypatch.setattr(ex, "get_device", lambda prefer=None: torch.device("meta"))
    wrong = verdict("gradient_by_hand", records_its_inputs)
    assert wrong.problem.startswith("on the chapter's data at the seed-4 start, your code raised RuntimeError")
    assert seen == [{"meta"}]


def test_7_2_wrong_values_no_mistake_explains_are_called_wrong_values() -> None:
    wrong = verdict("gradient_by_hand", dw_twice)
    assert wrong.mistake is None
    assert wrong.problem == ("on the chapter's data at the seed-4 start, "
                             "it returned the wrong values for dL/dw and dL/db")


@pytest.mark.parametrize("size, says", [
    (1000, "its dL/dw holds 1000 numbers; with one feature it is a single number"),
    (1001, "its dL/dw is a tensor of shape (1001,) and dtype torch.float32: 1001 numbers, far more than"),
])
def test_7_2_a_part_of_more_than_1000_numbers_is_not_read(size, says) -> None:
    wrong = verdict("gradient_by_hand", lambda X, y, w, b: (torch.zeros(size), 0.0))
    assert wrong.mistake is None
    assert says in " ".join(str(wrong).split())


def db_without_the_mean(X, y, w, b):
    r = X @ w + b - y
    return 2 * (r * X).mean(), 2 * r


def test_7_2_a_db_left_without_its_mean_is_named_as_dl_db() -> None:
    """The message names the part that went wrong the way the exercise writes it, dL/db."""
    wrong = verdict("gradient_by_hand", db_without_the_mean)
    assert wrong.mistake is None
    assert wrong.problem.startswith("on the chapter's data at the seed-4 start, its dL/db is a tensor of shape "
                                    "(1500, 1) and dtype torch.float32")


def test_7_2_numbers_printed_after_the_exercise_cannot_be_copied_into_it() -> None:
    """The cell after 7.2 prints autograd's gradient at the start; a function returning those numbers fails."""
    printed = stored_text(cell("052"))
    dw, db = map(float, re.findall(r"= (-?\d+\.\d+)", printed))
    wrong = verdict("gradient_by_hand", lambda X, y, w, b: (dw, db))
    assert wrong.mistake == "copied_chapter_numbers"


def test_7_2_the_right_gradient_returned_in_float16_passes(capsys) -> None:
    """A half-precision answer is allowed the rounding of its own dtype (the course-wide tolerance rule)."""
    def in_half(X, y, w, b):
        r = X @ w + b - y
        return (2 * (r * X).mean()).half(), (2 * r.mean()).half()

    check(f"{EX}.gradient_by_hand", in_half)
    assert capsys.readouterr().out.startswith("Correct:")


# --- 7.3: my_step --------------------------------------------------------------------------------------

def rebinding_then_zeroing(X, y, model, lr=0.1):
    loss = (model.forward(X) - y).abs().mean()
    loss.backward()
    with torch.no_grad():
        for p in model.params:
            p = p - lr * p.grad
            p.grad.zero_()


def rebinding(X, y, model, lr=0.1):
    loss = (model.forward(X) - y).abs().mean()
    loss.backward()
    with torch.no_grad():
        for p in model.params:
            p = p - lr * p.grad
    for p in model.params:
        p.grad.zero_()


def replacing(X, y, model, lr=0.1):
    loss = (model.forward(X) - y).abs().mean()
    loss.backward()
    with torch.no_grad():
        model.w = model.w - lr * model.w.grad
        model.b = model.b - lr * model.b.grad


def not_zeroed(X, y, model, lr=0.1):
    (model.forward(X) - y).abs().mean().backward()
    with torch.no_grad():
        for p in model.params:
            p -= lr * p.grad


def tracked_update(X, y, model, lr=0.1):
    (model.forward(X) - y).abs().mean().backward()
    for p in model.params:
        p -= lr * p.grad
        p.grad.zero_()


def through_data(X, y, model, lr=0.1):
    (model.forward(X) - y).abs().mean().backward()
    for p in model.params:
        p.data -= lr * p.grad
        p.grad.zero_()


def fixed_lr(X, y, model, lr=0.1):
    (model.forward(X) - y).abs().mean().backward()
    with torch.no_grad():
        for p in model.params:
            p -= 0.1 * p.grad
            p.grad.zero_()


def summed_loss(X, y, model, lr=0.1):
    (model.forward(X) - y).abs().sum().backward()
    with torch.no_grad():
        for p in model.params:
            p -= lr * p.grad
            p.grad.zero_()


def uphill(X, y, model, lr=0.1):
    (model.forward(X) - y).abs().mean().backward()
    with torch.no_grad():
        for p in model.params:
            p += lr * p.grad
            p.grad.zero_()


GLOBAL_MODEL = ex._Linear(1, 1, 4, torch.device("cpu"))


def uses_the_notebooks_model(X, y, m, lr=0.1):
    (GLOBAL_MODEL.forward(X.cpu()) - y.cpu()).abs().mean().backward()
    with torch.no_grad():
        for p in GLOBAL_MODEL.params:
            p -= lr * p.grad
            p.grad.zero_()


def zeroes_first(X, y, model, lr=0.1):
    for p in model.params:
        p.grad.zero_()
    (model.forward(X) - y).abs().mean().backward()
    with torch.no_grad():
        for p in model.params:
            p -= lr * p.grad


def the_chapters_step(X, y, model, lr=0.1):
    """The chapter's own step, copied: the mean squared error (review B5: it used to pass)."""
    loss = ((model.forward(X) - y) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        for p in model.params:
            p -= lr * p.grad
            p.grad.zero_()
    return loss.item()


def step_with_a_flat_target(X, y, model, lr=0.1):
    """Trap 3 inside the step (review C2): the target flattened to (n,) broadcasts against (n, 1)."""
    (model.forward(X) - y.reshape(-1)).abs().mean().backward()
    with torch.no_grad():
        for p in model.params:
            p -= lr * p.grad
            p.grad.zero_()


def flat_prediction(X, y, model, lr=0.1):
    (model.forward(X).squeeze() - y).abs().mean().backward()
    with torch.no_grad():
        for p in model.params:
            p -= lr * p.grad
            p.grad.zero_()


def the_chapters_step_with_a_flat_target(X, y, model, lr=0.1):
    ((model.forward(X) - y.reshape(-1)) ** 2).mean().backward()
    with torch.no_grad():
        for p in model.params:
            p -= lr * p.grad
            p.grad.zero_()


def abs_of_mean(X, y, model, lr=0.1):
    (model.forward(X) - y).mean().abs().backward()
    with torch.no_grad():
        for p in model.params:
            p -= lr * p.grad
            p.grad.zero_()


@pytest.mark.parametrize("answer, mistake, says", [
    (the_chapters_step, "squared_error_instead_of_absolute", "the chapter's loss"),
    (step_with_a_flat_target, "target_broadcast", "n × n matrix"),
    (flat_prediction, "target_broadcast", "trap 3"),
    (the_chapters_step_with_a_flat_target, "target_broadcast", "every prediction against every target"),
    (abs_of_mean, "abs_of_mean", "do not cancel"),
    (rebinding_then_zeroing, "update_rebinds_the_name", "binds the loop's name p"),
    (rebinding, "update_rebinds_the_name", "the parameters never moved"),
    (replacing, "update_replaces_the_parameter", "is a new tensor after the step"),
    (not_zeroed, "gradients_not_zeroed", "never zeroed"),
    (tracked_update, "update_outside_no_grad", "inside torch.no_grad()"),
    (through_data, "update_through_data", "went through .data"),
    (fixed_lr, "learning_rate_ignored", "lr argument"),
    (summed_loss, "loss_sum_instead_of_mean", "summed over the samples"),
    (uphill, "step_uphill", "uphill"),
    (uses_the_notebooks_model, None, "never ran backward() on the model's loss"),
    (zeroes_first, None, "before the first backward() there is no gradient"),
    (4.509, None, "pass the function itself"),
])
def test_7_3_wrong_answers_are_named(answer, mistake, says) -> None:
    wrong = verdict("my_step", answer)
    assert wrong.mistake == mistake
    assert says in " ".join(str(wrong).split())


@pytest.mark.parametrize("answer, mistake", [
    (the_chapters_step, "squared_error_instead_of_absolute"), (not_zeroed, "gradients_not_zeroed"),
    (uphill, "step_uphill"), (summed_loss, "loss_sum_instead_of_mean"), (abs_of_mean, "abs_of_mean"),
])
def test_7_3_on_the_case_with_lr_0_05_each_mistake_is_named_at_that_learning_rate(answer, mistake) -> None:
    """The two-feature case passes lr = 0.05: the wrong ways of working it compares with must run at that lr."""
    exercise = EXERCISES[f"{EX}.my_step"]
    lr_0_05 = next(c for c in exercise.cases if "lr = 0.05" in c.name)
    with pytest.raises(WrongAnswer) as info:
        replace(exercise, cases=[lr_0_05]).validate(answer)
    assert info.value.mistake == mistake


def abs_of_total(X, y, model, lr=0.1):
    (model.forward(X) - y).sum().abs().backward()
    with torch.no_grad():
        for p in model.params:
            p -= lr * p.grad
            p.grad.zero_()


def test_7_3_on_the_case_with_lr_0_05_a_step_on_the_absolute_total_miss_is_not_told_it_never_moved() -> None:
    """|sum of misses| moves b by lr·20 per step, with the sign of the total miss: on data whose total miss changes
    sign after one step, the second step would land back on the start, and the check would call it a rebinding."""
    exercise = EXERCISES[f"{EX}.my_step"]
    lr_0_05 = next(c for c in exercise.cases if "lr = 0.05" in c.name)
    with pytest.raises(WrongAnswer) as info:
        replace(exercise, cases=[lr_0_05]).validate(abs_of_total)
    assert info.value.mistake is None
    assert "not those of gradient descent on the mean absolute error" in " ".join(str(info.value).split())


def with_sgd(X, y, model, lr=0.1):
    optimizer = torch.optim.SGD(model.params, lr=lr)
    optimizer.zero_grad()
    (model.forward(X) - y).abs().mean().backward()
    optimizer.step()


def set_to_none(X, y, model, lr=0.1):
    (model.forward(X) - y).abs().mean().backward()
    with torch.no_grad():
        for p in model.params:
            p -= lr * p.grad
            p.grad = None


def copy_update(X, y, model, lr=0.1):
    loss = torch.nn.functional.l1_loss(model.forward(X), y)
    loss.backward()
    with torch.no_grad():
        for p in model.params:
            p.copy_(p - lr * p.grad)
            p.grad.zero_()
    return loss


def sqrt_of_square(X, y, model, lr=0.1):
    loss = torch.sqrt((model.forward(X) - y) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        for p in model.params:
            p.sub_(lr * p.grad)
            p.grad = None


@pytest.mark.parametrize("answer", [with_sgd, set_to_none, copy_update, sqrt_of_square])
def test_7_3_other_correct_steps_pass(answer) -> None:
    check(f"{EX}.my_step", answer)


def test_7_3_cases_on_the_chapters_data_start_where_the_chapter_starts() -> None:
    """The cases "on the chapter's data from the seed-4 start" hold the chapter's X, y and seed-4 Linear(1, 1):
    the gradient of the MSE there is the one the chapter prints after Exercise 7.2."""
    dw, db = map(float, re.findall(r"= (-?\d+\.\d+)", stored_text(cell("052"))))
    for steps in (1, 3):
        X, y, model, lr, n = ex._chapter_step_case(steps)()
        ((model.forward(X) - y) ** 2).mean().backward()
        assert (round(model.w.grad.item(), 4), round(model.b.grad.item(), 4)) == (dw, db)
        assert (lr, n) == (0.1, steps)


def test_7_3_asks_for_a_step_the_chapter_did_not_write() -> None:
    """Review B5: no code cell of the chapter computes the mean absolute error outside the solution."""
    code = [c.source for c in cells() if c.cell_type == "code"]
    exercise = next(i for i, source in enumerate(code) if "linear_regression_from_scratch.my_step" in source)
    assert not any(".abs()" in source for i, source in enumerate(code) if i != exercise)
    assert "mean absolute error" in cell("053").source and "Without looking back" not in cell("053").source


def weight_named_like_nn_linear(X, y, model, lr=0.1):
    (X @ model.weight + model.bias - y).abs().mean().backward()
    with torch.no_grad():
        for p in model.params:
            p -= lr * p.grad
            p.grad.zero_()


def test_7_3_an_attribute_the_model_lacks_is_reported_as_the_learners_error() -> None:
    """Only AttributeError on a None .grad points at a rebound or too early zeroing; model.weight is reported."""
    wrong = verdict("my_step", weight_named_like_nn_linear)
    assert wrong.mistake is None
    assert "raised AttributeError: '_Linear' object has no attribute 'weight'" in " ".join(str(wrong).split())


def detached_after_the_update(X, y, model, lr=0.1):
    (model.forward(X) - y).abs().mean().backward()
    with torch.no_grad():
        for p in model.params:
            p -= lr * p.grad
            p.grad.zero_()
            p.detach_()


def test_7_3_parameters_left_not_requiring_grad_are_named_on_the_first_step() -> None:
    wrong = verdict("my_step", detached_after_the_update)
    assert wrong.mistake == "parameter_no_longer_tracked"
    assert wrong.problem.startswith("on one step on the chapter's data from the seed-4 start, after the step the "
                                    "parameter no longer requires grad")


def divided_by_a_zero_count(X, y, model, lr=0.1):
    (model.forward(X) - y).abs().mean().backward()
    with torch.no_grad():
        for p in model.params:
            p -= lr * p.grad / (len(X) - len(y))
            p.grad.zero_()


def test_7_3_parameters_that_blew_up_get_the_reasons_to_look_for() -> None:
    wrong = verdict("my_step", divided_by_a_zero_count)
    assert wrong.mistake is None
    assert ("the parameters hold NaN or infinity after the step(s): the updates grew without bound (a sum instead "
            "of a mean? a plus instead of a minus?)") in " ".join(str(wrong).split())


def smooth_l1_step(X, y, model, lr=0.1):
    torch.nn.functional.smooth_l1_loss(model.forward(X), y).backward()
    with torch.no_grad():
        for p in model.params:
            p -= lr * p.grad
            p.grad.zero_()


def test_7_3_a_step_no_mistake_explains_is_measured_against_the_mean_absolute_error() -> None:
    """7.3 asks for the mean absolute error: the catch-all must not send the learner back to the squared one."""
    wrong = verdict("my_step", smooth_l1_step)
    assert wrong.mistake is None
    said = " ".join(str(wrong).split())
    assert "not those of gradient descent on the mean absolute error" in said
    assert "mean squared" not in said


# --- 7.4: the broadcasting bug ------------------------------------------------------------------------

@pytest.mark.parametrize("answer, mistake", [
    (-0.0008182962192222476, "target_still_broadcasts"),   # y_new, or y_new.reshape(1, -1), left as it was
    (ex._continued_buggy_w(), "continued_the_buggy_model"),
    (0.8, "true_slope_not_trained_w"),
    (ex._least_squares_w(), "not_thirty_steps_from_seed_4"),
    (ex._seed4_params()[0].item(), "model_not_trained"),
    ([ex._fixed_w(), 3.0], None),
    (ex._fixed_w_after_each_step()[30], "wrong_number_of_steps"),      # range(31), or one step run twice
    (ex._fixed_w_after_each_step()[28], "wrong_number_of_steps"),
    (ex._fixed_w_after_each_step(0.01, 30)[-1], "wrong_learning_rate"),
    (ex._fixed_w_after_each_step(0.05, 30)[-1], "wrong_learning_rate"),
])
def test_7_4_wrong_answers_are_named(answer, mistake) -> None:
    assert verdict("fix_the_broadcast", answer).mistake == mistake


def test_7_4_the_step_count_is_named_with_its_number() -> None:
    assert "w after 31 steps instead of 30" in " ".join(str(verdict("fix_the_broadcast",
                                                                    ex._fixed_w_after_each_step()[30])).split())
    assert ex._fixed_w_after_each_step()[29] == ex._fixed_w()   # the path and the reference agree at step 30


@pytest.mark.parametrize("steps", [3, 5, 6])
def test_7_4_a_miscounted_loop_is_named_when_w_is_typed_to_four_decimals(steps) -> None:
    """w printed with 4 decimals is accepted when right (rtol = atol = 1e-4), so a run of 3, 5 or 6 steps typed
    that way (-0.28, 0.1658, 0.3138, each rounded by more than 1e-4 of its own size) is still named."""
    typed = round(ex._fixed_w_after_each_step()[steps - 1], 4)
    wrong = verdict("fix_the_broadcast", typed)
    assert wrong.mistake == "wrong_number_of_steps"
    assert f"w after {steps} steps instead of 30" in wrong.problem


def test_7_4_the_final_loss_passed_instead_of_w_is_not_called_a_learning_rate_mistake() -> None:
    """0.046, the loss after the 30 steps, lies within 1 of w after 30 steps at lr = 0.02, but far from it."""
    x, t = ex._new_data()
    loss = ex._train(x, t.reshape(-1, 1))[2][-1]
    assert verdict("fix_the_broadcast", loss).mistake is None


def test_7_4_the_trained_weight_as_a_tensor_passes() -> None:
    check(f"{EX}.fix_the_broadcast", torch.tensor([[ex._fixed_w()]], requires_grad=True))


# --- what the prose says, against the stored outputs ---------------------------------------------------

def test_the_limit_and_the_30_step_table_say_what_the_prose_says() -> None:
    assert "limit 2 / 2.0177 = 0.9912" in stored_text(cell("060"))
    table = stored_text(cell("046"))
    for lr, shape, verdict_ in [("1.0 ", "turns up after step 18", "lower"),
                                ("1.01", "turns up after step 14", "lower"),
                                ("1.02", "turns up after step 11", "higher"), ("0.99", "falls to the end", "lower")]:
        line = next(line for line in table.splitlines() if line.startswith(f"lr = {lr}"))
        assert shape in line and f"{verdict_} than at step 1" in line, line
    prose = cell("061").source
    assert "after step 18 for `1.0`" in prose and "after step 14 for `1.01`" in prose
    assert "sharp" not in cell("049").source.replace("Nothing sharp", "")


def test_the_sliders_values_are_fine_around_the_limit() -> None:
    tree = ast.parse(cell("048").source)
    rates = next(ast.literal_eval(node.value) for node in ast.walk(tree)
                 if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "SLIDER_RATES")
    limit = 0.99123
    below = [r for r in rates if limit - 0.02 <= r <= limit]
    above = [r for r in rates if limit < r <= limit + 0.03]
    assert len(below) >= 2 and len(above) >= 3, rates
    X, y = ex._data()
    verdicts = {r: ex.diverges(ex._train(X, y, lr=r)[2]) for r in above}
    assert not all(verdicts.values()) and any(verdicts.values()), "the slider must show both sides of the 30-step test"


def test_running_the_untrained_picture_again_after_training_shows_the_untrained_line() -> None:
    """Issue 14: cell 18 re-run after training drew the trained line under 'before training'."""
    from copy import deepcopy

    from nbclient import NotebookClient

    from coursetools.notebooks import KERNEL_ARGS, apply_kernel_env

    apply_kernel_env()
    nb = nbformat.read(CHAPTER, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    index = next(i for i, c in enumerate(code) if c.get("id") == f"{EX}-018")
    training = next(i for i, c in enumerate(code) if c.get("id") == f"{EX}-028")
    probe = nbformat.v4.new_code_cell(
        "print(ax.get_title(), [round(float(v), 4) for v in ax.lines[0].get_ydata()[[0, -1]]])")
    nb.cells = code[: index + 1] + [probe] + code[index + 1: training + 1] + [deepcopy(code[index]), deepcopy(probe)]
    NotebookClient(nb, timeout=120, kernel_name="python3", extra_arguments=KERNEL_ARGS,
                   resources={"metadata": {"path": str(CHAPTER.parent)}}).execute()
    first, again = (stored_text(c) for c in (nb.cells[index + 1], nb.cells[-1]))
    assert first == "before training: w = -1.61, b = 0.23 [5.1224, -4.8578]\n" and again == first
