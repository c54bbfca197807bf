"""Chapter 15 (gradient accumulation): a beginner's wrong answers, each rejected and named.

Found by playing the learner edition through a real kernel. For Exercise 15.4 the check watches the
process (the micro-batches the model saw, when backward() reached a parameter, the parameters), so
the answers that leave the right .grad the wrong way are caught too: one backward() on the summed
losses, every forward pass before the first backward(), an optimizer step on top.
"""
from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from course_utils.checks import EXERCISES, WrongAnswer, check, reset_attempts

ACCUMULATE = "gradient_accumulation.accumulate_any_sizes"


@pytest.fixture(autouse=True)
def strict(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COURSE_CHECKS_STRICT", "1")
    reset_attempts()


def verdict(exercise_id: str, answer) -> WrongAnswer:
    with pytest.raises(WrongAnswer) as info:
        check(exercise_id, answer)
    return info.value


@pytest.mark.parametrize("answer,mistake", [
    ("A", "linearity_alone"), ("C", "blames_running_statistics"), ("option D", "equal_sizes_suffice"), ("E", None)])
def test_batchnorm_prediction_wrong_answers(answer, mistake) -> None:
    assert verdict("gradient_accumulation.batchnorm_train_mode", answer).mistake == mistake


@pytest.mark.parametrize("answer,mistake", [
    (1 / 8, "factor_for_mean_losses"), (1.0, "no_scaling"), (1 / 16, "divided_by_micro_batch_size"),
    (8, "multiplied_by_k"),
    (1 / 1024, "divided_by_n_and_k"), (1 / 2048, "divided_by_n_and_micro_size"), ("1/128", None), (1 / 64, None)])
def test_scale_wrong_answers(answer, mistake) -> None:
    assert verdict("gradient_accumulation.scale_for_equal_chunks", answer).mistake == mistake


def test_scale_accepts_a_fraction_and_other_forms() -> None:
    for answer in (Fraction(1, 128), Decimal("0.0078125"), torch.tensor(1 / 128), np.float16(1 / 128), [1 / 128]):
        check("gradient_accumulation.scale_for_equal_chunks", answer)


def test_the_factor_for_summed_losses_is_what_torch_says() -> None:
    """1/128 for 8 summed micro-batch losses of 16: the full-batch gradient of the mean, checked with torch."""
    from course_utils.exercises.gradient_accumulation import _grads, _tiny_model

    generator = torch.Generator().manual_seed(2)
    X, y = torch.randn(128, 3, generator=generator), torch.randn(128, 1, generator=generator)
    full, parts = _tiny_model(), _tiny_model()
    F.mse_loss(full(X), y).backward()
    for X_micro, y_micro in zip(X.chunk(8), y.chunk(8)):
        (F.mse_loss(parts(X_micro), y_micro, reduction="sum") / 128).backward()
    assert all(torch.allclose(a, b, atol=1e-6) for a, b in zip(_grads(full), _grads(parts)))


def test_the_chapter_runs_no_summed_micro_batch_loss() -> None:
    """15.2 is a transfer task: no cell or sentence before it shows reduction="sum" on micro-batches."""
    import nbformat

    from coursetools.paths import NOTEBOOK_DIR

    nb = nbformat.read(NOTEBOOK_DIR / "15_gradient_accumulation.ipynb", as_version=4)
    exercise = next(i for i, c in enumerate(nb.cells) if "### Exercise 15.2" in c.source)
    assert not any('reduction="sum"' in c.source or "reduction='sum'" in c.source for c in nb.cells[:exercise])


@pytest.mark.parametrize("answer,mistake", [
    ([1 / 3, 1 / 3, 1 / 3], "naive_one_over_k"), ([6, 6, 4], "sizes_not_divided"),
    ([1 / 6, 1 / 6, 1 / 4], "one_over_n_i"), ([4 / 16, 6 / 16, 6 / 16], "weights_in_wrong_order"),
    ([6 / 16, 4 / 16], None)])
def test_unequal_weights_wrong_answers(answer, mistake) -> None:
    assert verdict("gradient_accumulation.weights_for_unequal_chunks", answer).mistake == mistake


def test_unequal_weights_accept_fractions_and_tensors() -> None:
    for answer in ([Fraction(3, 8), Fraction(3, 8), Fraction(1, 4)], torch.tensor([6, 6, 4]) / 16):
        check("gradient_accumulation.weights_for_unequal_chunks", answer)


def naive(model, batches):
    k = 0
    for X_micro, y_micro in batches:
        F.mse_loss(model(X_micro), y_micro).backward()
        k += 1
    for p in model.parameters():
        p.grad /= k


def unscaled(model, batches):
    for X_micro, y_micro in batches:
        F.mse_loss(model(X_micro), y_micro).backward()


def whole_batch(model, batches):
    pairs = list(batches)
    X = torch.cat([X_micro for X_micro, _ in pairs])
    y = torch.cat([y_micro for _, y_micro in pairs])
    F.mse_loss(model(X), y).backward()


def one_backward(model, batches):
    total, n = 0, 0
    for X_micro, y_micro in batches:
        total = total + F.mse_loss(model(X_micro), y_micro, reduction="sum")
        n += len(X_micro)
    (total / n).backward()


def forward_all_first(model, batches):
    losses, n = [], 0
    for X_micro, y_micro in batches:
        losses.append(F.mse_loss(model(X_micro), y_micro) * len(X_micro))
        n += len(X_micro)
    for loss in losses:
        (loss / n).backward()


def zero_grad_inside(model, batches):
    n = 0
    for X_micro, y_micro in batches:
        model.zero_grad()
        F.mse_loss(model(X_micro), y_micro, reduction="sum").backward()
        n += len(X_micro)
    for p in model.parameters():
        p.grad /= n


def counted_first(model, batches):
    n = 0
    for X_micro, _ in batches:
        n += len(X_micro)
    for X_micro, y_micro in batches:
        (F.mse_loss(model(X_micro), y_micro) * len(X_micro) / n).backward()


def eight_hard_coded(model, batches):
    for X_micro, y_micro in batches:
        (F.mse_loss(model(X_micro), y_micro) * len(X_micro) / 8).backward()


def sum_undivided(model, batches):
    for X_micro, y_micro in batches:
        F.mse_loss(model(X_micro), y_micro, reduction="sum").backward()


def mean_over_n(model, batches):
    n = 0
    for X_micro, y_micro in batches:
        F.mse_loss(model(X_micro), y_micro).backward()
        n += len(X_micro)
    for p in model.parameters():
        p.grad /= n


def with_a_step(model, batches):
    """The right loop, then an optimizer step the exercise did not ask for."""
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    summed_then_divided(model, batches)
    optimizer.step()


def forwards_only(model, batches):
    for X_micro, y_micro in batches:
        F.mse_loss(model(X_micro), y_micro)


def uses_len(model, batches):
    n = len(batches)
    for X_micro, y_micro in batches:
        (F.mse_loss(model(X_micro), y_micro) / n).backward()


@pytest.mark.parametrize("answer,mistake", [
    (naive, "naive_one_over_k"), (unscaled, "no_scaling"), (whole_batch, "whole_batch_at_once"),
    (one_backward, "one_backward_on_summed_losses"), (forward_all_first, "graphs_kept_until_the_end"),
    (zero_grad_inside, "zeroed_between_micro_batches"), (counted_first, "batches_used_up"),
    (eight_hard_coded, "hard_coded_total"), (sum_undivided, "summed_losses_not_divided"),
    (mean_over_n, "mean_divided_by_n"), (with_a_step, "stepped_the_parameters"),
    (forwards_only, "no_backward"),
    (uses_len, None)])  # "your code raised TypeError: object of type 'Batches' has no len()"
def test_accumulate_wrong_answers(answer, mistake) -> None:
    assert verdict("gradient_accumulation.accumulate_any_sizes", answer).mistake == mistake


def on_case(sizes: tuple[int, ...], answer) -> WrongAnswer | None:
    """The verdict of 15.4's case of these micro-batch sizes alone (None: accepted), as if it were the first case."""
    exercise = EXERCISES[ACCUMULATE]
    case = next(c for c in exercise.cases if c.name == f"micro-batches of sizes {list(sizes)}")
    try:
        replace(exercise, cases=[case]).validate(answer)
    except WrongAnswer as wrong:
        return wrong
    return None


SIZES = [(4, 4), (5, 2, 1), (1, 7), (3, 3, 2), (6, 4)]


@pytest.mark.parametrize("sizes", SIZES)
@pytest.mark.parametrize("answer, mistake", [
    (naive, "naive_one_over_k"), (unscaled, "no_scaling"), (sum_undivided, "summed_losses_not_divided"),
    (mean_over_n, "mean_divided_by_n"), (zero_grad_inside, "zeroed_between_micro_batches"),
    (eight_hard_coded, "hard_coded_total")])
def test_every_case_names_each_weighting_mistake_it_can_tell_from_the_right_answer(sizes, answer, mistake) -> None:
    """Each case on its own names the mistake, except where it is right there: 1/k for equal sizes, 8 for N = 8."""
    right_here = (answer is naive and len(set(sizes)) == 1) or (answer is eight_hard_coded and sum(sizes) == 8)
    wrong = on_case(sizes, answer)
    if right_here:
        assert wrong is None
    else:
        assert wrong is not None and wrong.mistake == mistake


def test_the_checks_own_process_examples_leave_the_right_grad() -> None:
    """15.4's wrong examples of one backward and of every forward first must leave the right .grad, or they
    would not show that the check tells these mistakes by the process alone."""
    from course_utils.exercises.gradient_accumulation import (
        GRAPHS_KEPT, ONE_BACKWARD, Batches, _accumulate_reference, _grads, _tiny_model)

    examples = [example.make() for example in EXERCISES[ACCUMULATE].wrong_examples
                if example.says in (ONE_BACKWARD.says, GRAPHS_KEPT.says)]
    assert len(examples) == 2
    generator = torch.Generator().manual_seed(0)
    X, y = torch.randn(8, 3, generator=generator), torch.randn(8, 1, generator=generator)
    right = _tiny_model()
    _accumulate_reference(right, Batches(X, y, (5, 2, 1)))
    for way in examples:
        mine = _tiny_model()
        way(mine, Batches(X, y, (5, 2, 1)))
        assert all(torch.allclose(a, b) for a, b in zip(_grads(mine), _grads(right))), way.__name__


def test_the_summed_loss_gives_the_right_grad_so_only_the_process_can_tell() -> None:
    """Why the check watches the events: one backward on the sum, or every forward first, leaves the right .grad."""
    from course_utils.exercises.gradient_accumulation import Batches, _accumulate_reference, _grads, _tiny_model

    generator = torch.Generator().manual_seed(0)
    X, y = torch.randn(8, 3, generator=generator), torch.randn(8, 1, generator=generator)
    right = _tiny_model()
    _accumulate_reference(right, Batches(X, y, (5, 2, 1)))
    for way in (one_backward, forward_all_first):
        mine = _tiny_model()
        way(mine, Batches(X, y, (5, 2, 1)))
        assert all(torch.allclose(a, b) for a, b in zip(_grads(mine), _grads(right)))
    message = " ".join(str(verdict("gradient_accumulation.accumulate_any_sizes", one_backward)).split())
    assert "backward() ran once" in message
    message = " ".join(str(verdict("gradient_accumulation.accumulate_any_sizes", forward_all_first)).split())
    assert "before the first backward()" in message


def test_a_step_on_top_leaves_the_right_gradient_so_only_the_parameters_tell() -> None:
    """B10: an optimizer step after accumulating leaves .grad right; the check compares the parameters."""
    from course_utils.exercises.gradient_accumulation import Batches, _accumulate_reference, _grads, _tiny_model

    generator = torch.Generator().manual_seed(0)
    X, y = torch.randn(8, 3, generator=generator), torch.randn(8, 1, generator=generator)
    right, mine = _tiny_model(), _tiny_model()
    _accumulate_reference(right, Batches(X, y, (4, 4)))
    with_a_step(mine, Batches(X, y, (4, 4)))
    assert all(torch.allclose(a, b) for a, b in zip(_grads(mine), _grads(right)))
    assert not all(torch.equal(a, b) for a, b in zip(mine.parameters(), right.parameters()))


def test_accumulate_accepts_other_correct_forms() -> None:
    def listed(model, batches):
        pairs = list(batches)
        n = sum(len(X_micro) for X_micro, _ in pairs)
        for X_micro, y_micro in pairs:
            (F.mse_loss(model(X_micro), y_micro) * len(X_micro) / n).backward()

    def scaled_in_no_grad(model, batches):
        model.to("cpu")
        n = 0
        for X_micro, y_micro in batches:
            F.mse_loss(model(X_micro), y_micro, reduction="sum").backward()
            n += X_micro.shape[0]
        with torch.no_grad():
            for p in model.parameters():
                p.grad.mul_(1 / n)

    def returns_losses(model, batches):
        losses, n = [], 0
        for X_micro, y_micro in batches:
            loss = F.mse_loss(model(X_micro), y_micro, reduction="sum")
            loss.backward()
            losses.append(loss.item())
            n += len(X_micro)
        for p in model.parameters():
            p.grad = p.grad / n
        return losses

    for answer in (listed, scaled_in_no_grad, returns_losses):
        check("gradient_accumulation.accumulate_any_sizes", answer)


def summed_then_divided(model, batches) -> None:
    """A right answer to 15.4: each micro-batch's summed loss backward, then every .grad divided by the sample count."""
    n = 0
    for X_micro, y_micro in batches:
        F.mse_loss(model(X_micro), y_micro, reduction="sum").backward()
        n += len(X_micro)
    for p in model.parameters():
        p.grad /= n


def test_printing_batches_shows_a_stream_of_micro_batches_not_their_numbers(capsys) -> None:
    """A learner who prints batches inside accumulate sees what it is: micro-batches, yielded one at a time."""
    def prints_then_accumulates(model, batches):
        print(batches)
        summed_then_divided(model, batches)

    check(ACCUMULATE, prints_then_accumulates)
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == "<micro-batches, yielded one at a time>"
    assert printed[-1].startswith(f"Correct: {ACCUMULATE}")


@pytest.mark.parametrize("answer,mistake", [
    ([0.75, 0.25], "forgot_ddp_divides"), ([1.0, 1.0], "no_correction"), ([0.5, 0.5], "divided_by_world_size_twice"),
    ([0.5, 1.5], "factors_swapped"), ([3.0, 1.0], "world_size_undone_twice"),
    ([0.375, 0.125], "divided_by_world_size_instead_of_undoing"), ([2.0, 2.0], None)])
def test_ddp_factors_wrong_answers(answer, mistake) -> None:
    assert verdict("gradient_accumulation.ddp_unequal_shards", answer).mistake == mistake


def test_adam_hides_a_constant_factor_and_sgd_does_not() -> None:
    """The chapter's claim (cell 14), checked with torch.optim directly: update ratio 1.0 for Adam, k for SGD."""
    from course_utils.exercises.gradient_accumulation import _tiny_model

    for optimizer_class, ratio in [(torch.optim.SGD, 4.0), (torch.optim.Adam, 1.0)]:
        steps = []
        for factor in (4.0, 1.0):
            model = _tiny_model()
            start = [p.detach().clone() for p in model.parameters()]
            generator = torch.Generator().manual_seed(0)
            for p in model.parameters():
                p.grad = factor * torch.randn(p.shape, generator=generator)
            optimizer_class(model.parameters(), lr=0.01).step()
            steps.append(torch.cat([(p.detach() - s).flatten() for p, s in zip(model.parameters(), start)]))
        assert (steps[0].norm() / steps[1].norm()).item() == pytest.approx(ratio, rel=1e-5)


def test_a_stray_backward_after_the_loop_is_told_by_its_count_of_backward_passes() -> None:
    """One backward per micro-batch plus a leftover one on the last loss: 3 passes for the first case's 2 batches."""
    def one_backward_too_many(model, batches):
        n = 0
        for X_micro, y_micro in batches:
            loss = F.mse_loss(model(X_micro), y_micro, reduction="sum")
            loss.backward(retain_graph=True)
            n += len(X_micro)
        loss.backward()
        for p in model.parameters():
            p.grad /= n

    message = " ".join(str(verdict(ACCUMULATE, one_backward_too_many)).split())
    assert "on micro-batches of sizes [4, 4], backward() reached the model 3 times for 2 micro-batches; call it " \
           "once per micro-batch" in message


def test_accumulate_is_checked_on_the_chapters_model() -> None:
    """15.4 hands accumulate the chapter's make_model(): Linear(3→4), Tanh, Linear(4→1) after torch.manual_seed(0),
    so a learner who tried their function on the chapter's model sees the same model in the check."""
    from torch import nn

    models = []

    def keeps_the_model(model, batches):
        models.append(model)
        summed_then_divided(model, batches)

    check(ACCUMULATE, keeps_the_model)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)  # the chapter's make_model() (norm=None), on the CPU
        chapter = nn.Sequential(nn.Linear(3, 4), nn.Identity(), nn.Tanh(), nn.Linear(4, 1))
    X = torch.randn(6, 3, generator=torch.Generator().manual_seed(3))
    assert len(models) == 5
    with torch.no_grad():
        for model in models:
            assert torch.allclose(model(X), chapter(X))
