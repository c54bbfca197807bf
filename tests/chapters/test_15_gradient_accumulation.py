"""Chapter 15 (gradient accumulation): a beginner's wrong answers, each rejected and named.

Found by playing the learner edition through a real kernel. For Exercise 15.4 the check watches the
process (the micro-batch sizes the model saw, the backward() calls that reached a parameter), so
the answers that leave the right .grad the wrong way are caught too: one backward() on the summed
losses, and micro-batches of other sizes than asked.
"""
from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from course_utils.checks import WrongAnswer, check, reset_attempts


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
    (8, "multiplied_by_k"), (1.0, "no_scaling"), (1 / 128, "mean_divided_by_n"),
    (1 / 16, "divided_by_micro_batch_size"), ("1/8", None)])
def test_scale_wrong_answers(answer, mistake) -> None:
    assert verdict("gradient_accumulation.scale_for_equal_chunks", answer).mistake == mistake


def test_scale_accepts_a_fraction_and_other_forms() -> None:
    for answer in (Fraction(1, 8), Decimal("0.125"), torch.tensor(16 / 128), np.float16(0.125), [0.125]):
        check("gradient_accumulation.scale_for_equal_chunks", answer)


@pytest.mark.parametrize("answer,mistake", [
    ([1 / 3, 1 / 3, 1 / 3], "naive_one_over_k"), ([6, 6, 4], "sizes_not_divided"),
    ([1 / 6, 1 / 6, 1 / 4], "one_over_n_i"), ([4 / 16, 6 / 16, 6 / 16], "weights_in_wrong_order"),
    ([6 / 16, 4 / 16], None)])
def test_unequal_weights_wrong_answers(answer, mistake) -> None:
    assert verdict("gradient_accumulation.weights_for_unequal_chunks", answer).mistake == mistake


def test_unequal_weights_accept_fractions_and_tensors() -> None:
    for answer in ([Fraction(3, 8), Fraction(3, 8), Fraction(1, 4)], torch.tensor([6, 6, 4]) / 16):
        check("gradient_accumulation.weights_for_unequal_chunks", answer)


def naive(model, X, y, sizes):
    for X_micro, y_micro in zip(X.split(sizes), y.split(sizes)):
        (F.mse_loss(model(X_micro), y_micro) / len(sizes)).backward()


def unscaled(model, X, y, sizes):
    for X_micro, y_micro in zip(X.split(sizes), y.split(sizes)):
        F.mse_loss(model(X_micro), y_micro).backward()


def whole_batch(model, X, y, sizes):
    F.mse_loss(model(X), y).backward()


def one_backward(model, X, y, sizes):
    total = 0
    for X_micro, y_micro in zip(X.split(sizes), y.split(sizes)):
        total = total + F.mse_loss(model(X_micro), y_micro) * len(X_micro) / len(X)
    total.backward()


def zero_grad_inside(model, X, y, sizes):
    for X_micro, y_micro in zip(X.split(sizes), y.split(sizes)):
        model.zero_grad()
        (F.mse_loss(model(X_micro), y_micro) * len(X_micro) / len(X)).backward()


def chunk_not_split(model, X, y, sizes):
    for X_micro, y_micro in zip(X.chunk(len(sizes)), y.chunk(len(sizes))):
        (F.mse_loss(model(X_micro), y_micro) * len(X_micro) / len(X)).backward()


def eight_hard_coded(model, X, y, sizes):
    for X_micro, y_micro in zip(X.split(sizes), y.split(sizes)):
        (F.mse_loss(model(X_micro), y_micro) * len(X_micro) / 8).backward()


def sum_undivided(model, X, y, sizes):
    for X_micro, y_micro in zip(X.split(sizes), y.split(sizes)):
        F.mse_loss(model(X_micro), y_micro, reduction="sum").backward()


def mean_over_n(model, X, y, sizes):
    for X_micro, y_micro in zip(X.split(sizes), y.split(sizes)):
        (F.mse_loss(model(X_micro), y_micro) / len(X)).backward()


@pytest.mark.parametrize("answer,mistake", [
    (naive, "naive_one_over_k"), (unscaled, "no_scaling"), (whole_batch, "whole_batch_at_once"),
    (one_backward, "one_backward_on_summed_losses"), (zero_grad_inside, "zeroed_between_micro_batches"),
    (chunk_not_split, "ignored_the_sizes"), (eight_hard_coded, "hard_coded_total"),
    (sum_undivided, "summed_losses_not_divided"), (mean_over_n, "mean_divided_by_n")])
def test_accumulate_wrong_answers(answer, mistake) -> None:
    assert verdict("gradient_accumulation.accumulate_any_sizes", answer).mistake == mistake


def test_the_summed_loss_gives_the_right_grad_so_only_the_process_can_tell() -> None:
    """Why the check counts backward() calls: one backward on the sum leaves exactly the full-batch .grad."""
    from course_utils.exercises.gradient_accumulation import _accumulate_reference, _grads, _tiny_model

    generator = torch.Generator().manual_seed(0)
    X, y = torch.randn(8, 3, generator=generator), torch.randn(8, 1, generator=generator)
    mine, right = _tiny_model(), _tiny_model()
    one_backward(mine, X, y, [5, 2, 1])
    _accumulate_reference(right, X, y, [5, 2, 1])
    assert all(torch.allclose(a, b) for a, b in zip(_grads(mine), _grads(right)))
    message = str(verdict("gradient_accumulation.accumulate_any_sizes", one_backward))
    assert "backward() ran once" in " ".join(message.split())


def test_accumulate_accepts_other_correct_forms() -> None:
    def by_sum(model, X, y, sizes):
        model.to("cpu")
        for X_micro, y_micro in zip(X.split(sizes), y.split(sizes)):
            (F.mse_loss(model(X_micro), y_micro, reduction="sum") / X.shape[0]).backward()

    def returns_losses(model, X, y, sizes):
        losses = []
        for X_micro, y_micro in zip(X.split(sizes), y.split(sizes)):
            loss = F.mse_loss(model(X_micro), y_micro) * len(X_micro) / len(X)
            loss.backward()
            losses.append(loss.item())
        return losses

    check("gradient_accumulation.accumulate_any_sizes", by_sum)
    check("gradient_accumulation.accumulate_any_sizes", returns_losses)


@pytest.mark.parametrize("answer,mistake", [
    ([0.75, 0.25], "forgot_ddp_divides"), ([1.0, 1.0], "no_correction"), ([0.5, 0.5], "divided_by_world_size_twice"),
    ([0.5, 1.5], "factors_swapped"), ([3.0, 1.0], "world_size_undone_twice"), ([2.0, 2.0], None)])
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
