"""course_utils.distributed: two real DDP processes give the full-batch gradient, and fail clearly.

The first call that starts workers costs a few seconds (the fork server imports torch);
later ones reuse that server, so the tests that start workers stay few and small.
"""
from __future__ import annotations

import functools
import multiprocessing
import sys
import time

import pytest
import torch
from torch import nn

from course_utils.distributed import DistributedWorkerError, ddp_gradients, free_port, shard_sizes


def tiny_model(seed: int = 0, batchnorm: bool = False) -> nn.Module:
    torch.manual_seed(seed)
    layers = [nn.Linear(3, 4)] + ([nn.BatchNorm1d(4)] if batchnorm else []) + [nn.Tanh(), nn.Linear(4, 1)]
    return nn.Sequential(*layers)


def batch(n: int) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(1)
    return torch.randn(n, 3, generator=generator), torch.randn(n, 1, generator=generator)


def full_batch_grads(model: nn.Module, X: torch.Tensor, y: torch.Tensor) -> dict[str, torch.Tensor]:
    model.zero_grad(set_to_none=True)
    nn.functional.mse_loss(model(X), y).backward()
    grads = {name: p.grad.clone() for name, p in model.named_parameters()}
    model.zero_grad(set_to_none=True)
    return grads


def no_workers_left() -> bool:
    return not [p for p in multiprocessing.active_children() if p.name.startswith("ddp-rank")]


# Equal halves are exercised by chapter 15 itself (nbval); here the harder, unequal split.
@pytest.mark.parametrize("n_samples", [7], ids=["unequal-shards-4-3"])
def test_two_processes_give_the_full_batch_gradient(n_samples: int) -> None:
    model = tiny_model()
    X, y = batch(n_samples)
    grads = ddp_gradients(model, X, y, world_size=2)
    assert all(p.grad is None for p in model.parameters()), "the caller's model must not be touched"
    expected = full_batch_grads(model, X, y)
    assert sorted(grads) == sorted(expected)
    for name, grad in grads.items():
        assert grad.device.type == "cpu" and grad.shape == expected[name].shape
        torch.testing.assert_close(grad, expected[name], rtol=1e-5, atol=1e-6)
    assert no_workers_left()


def test_a_model_factory_works_like_a_model() -> None:
    X, y = batch(6)
    grads = ddp_gradients(functools.partial(tiny_model, seed=3), X, y, world_size=2)
    expected = full_batch_grads(tiny_model(seed=3), X, y)
    for name, grad in grads.items():
        torch.testing.assert_close(grad, expected[name], rtol=1e-5, atol=1e-6)


def test_a_failing_worker_is_a_clear_error_in_the_parent_and_does_not_hang() -> None:
    # 3 samples on 2 ranks: rank 1 gets one sample, and BatchNorm in training mode refuses a batch of 1,
    # while rank 0 goes on and waits for rank 1 in the all-reduce.
    X, y = batch(3)
    start = time.monotonic()
    with pytest.raises(DistributedWorkerError) as info:
        ddp_gradients(tiny_model(batchnorm=True), X, y, world_size=2, timeout=120)
    elapsed = time.monotonic() - start
    message = str(info.value)
    assert message.startswith("ddp_gradients: worker rank 1 of 2 failed with ValueError")
    assert "Expected more than 1 value per channel" in message
    assert 1 in info.value.rank_errors and "Traceback" in info.value.first_traceback
    assert elapsed < 100, "the parent waited for the timeout instead of reporting the failure"
    assert no_workers_left()


def test_the_timeout_stops_the_workers() -> None:
    X, y = batch(4)
    # 10 ms: too short even once the fork server is warm (a warm call takes about 0.1 s)
    with pytest.raises(TimeoutError, match=r"did not finish within 0.01 s"):
        ddp_gradients(tiny_model(), X, y, world_size=2, timeout=0.01)
    assert no_workers_left()


@pytest.mark.parametrize("world_size, error, match", [
    (0, ValueError, "world_size must be between 1 and"),
    (-1, ValueError, "world_size must be between 1 and"),
    (17, ValueError, "world_size must be between 1 and"),
    (2.0, TypeError, "world_size must be an int"),
    (True, TypeError, "world_size must be an int"),
    (5, ValueError, "4 samples cannot be shared among 5 ranks"),
])
def test_bad_world_size_is_refused_before_any_process_starts(world_size, error, match) -> None:
    X, y = batch(4)
    with pytest.raises(error, match=match):
        ddp_gradients(tiny_model(), X, y, world_size=world_size)


def test_bad_data_is_refused() -> None:
    X, y = batch(4)
    with pytest.raises(ValueError, match="X has 4, y has 3"):
        ddp_gradients(tiny_model(), X, y[:3])
    with pytest.raises(TypeError, match="X must be a torch.Tensor"):
        ddp_gradients(tiny_model(), X.tolist(), y)
    with pytest.raises(ValueError, match="y must have a batch dimension"):
        ddp_gradients(tiny_model(), X, torch.tensor(1.0))
    with pytest.raises(ValueError, match="timeout must be a positive number"):
        ddp_gradients(tiny_model(), X, y, timeout=0)


def test_bad_models_and_losses_are_refused() -> None:
    X, y = batch(4)
    with pytest.raises(TypeError, match="model must be an nn.Module or a function"):
        ddp_gradients("a model", X, y)
    frozen = tiny_model().requires_grad_(False)
    with pytest.raises(ValueError, match="no parameter that requires a gradient"):
        ddp_gradients(frozen, X, y)
    with pytest.raises(TypeError, match="must be picklable"):
        ddp_gradients(tiny_model(), X, y, loss_fn=lambda out, target: ((out - target) ** 2).mean())
    with pytest.raises(TypeError, match="loss_fn must be callable"):
        ddp_gradients(tiny_model(), X, y, loss_fn="mse")


def test_a_class_defined_in_the_notebook_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    class NotebookNet(nn.Module):  # what a class typed into a notebook cell looks like
        def __init__(self) -> None:
            super().__init__()
            self.linear = nn.Linear(3, 1)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.linear(x)

    NotebookNet.__module__, NotebookNet.__qualname__ = "__main__", "NotebookNet"
    monkeypatch.setattr(sys.modules["__main__"], "NotebookNet", NotebookNet, raising=False)
    X, y = batch(4)
    with pytest.raises(TypeError, match=r"'NotebookNet' is defined in the notebook or script itself"):
        ddp_gradients(NotebookNet(), X, y)


def test_shards_and_ports() -> None:
    assert shard_sizes(8, 2) == [4, 4] and shard_sizes(7, 3) == [3, 2, 2]
    assert [t.shape[0] for t in torch.tensor_split(torch.zeros(7), 3)] == shard_sizes(7, 3)
    assert 0 < free_port() < 65536
    with pytest.raises(ValueError, match="every rank needs at least one sample"):
        shard_sizes(2, 3)


def test_loopback_down_is_named_at_once() -> None:
    """In a network namespace with no loopback, the error says so in a second, instead of a timeout later."""
    import shutil
    import subprocess
    import sys
    import time

    if shutil.which("unshare") is None:
        pytest.skip("unshare (util-linux) is not installed")
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"no permission for a network namespace here: {probe.stderr.decode().strip()}")
    code = ("import torch, torch.nn as nn\n"
            "from course_utils.distributed import ddp_gradients\n"
            "try:\n"
            "    ddp_gradients(nn.Linear(2, 1), torch.ones(4, 2), torch.ones(4, 1), timeout=60)\n"
            "except RuntimeError as exc:\n"
            "    print(exc)\n")
    start = time.monotonic()
    run = subprocess.run(["unshare", "-n", sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "needs the loopback network" in run.stdout and "ip link set lo up" in run.stdout, run.stdout + run.stderr
    assert time.monotonic() - start < 30
