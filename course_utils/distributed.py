"""Data-parallel gradients from real processes: ``torch.distributed`` + ``DistributedDataParallel``.

Chapter 15 shows that accumulating the gradients of micro-batches gives the full-batch
gradient. Data-parallel training does the same sum across *processes*: each process
(a **rank**) holds a copy of the model, computes the gradient of its share of the batch,
and an **all-reduce** adds the gradients of all ranks; DistributedDataParallel (DDP)
then divides by the number of ranks. :func:`ddp_gradients` runs that for real, on the
CPU, with the ``gloo`` backend and ``world_size`` local processes, and returns the
averaged gradients so a notebook can compare them with a single-process computation.

The processes are started with the ``forkserver`` method (``spawn`` where the platform
lacks it), so this works from Jupyter: the worker, :func:`ddp_worker`, is a top-level
function of this module that each new process imports. Everything stays on this machine
(``MASTER_ADDR=127.0.0.1``, a free port chosen by the operating system). The fork server
imports torch once, which takes a few seconds on the first call; later calls in the same
kernel start their ranks in a fraction of a second.

>>> shard_sizes(8, 2)
[4, 4]
>>> shard_sizes(7, 2)
[4, 3]
"""
from __future__ import annotations

import contextlib
import copy
import io
import os
import pickle
import queue as queue_module
import socket
import sys
import tempfile
import time
import traceback
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable, Iterator, Union

import torch
from torch import nn

__all__ = ["ddp_gradients", "ddp_worker", "shard_sizes", "free_port", "DistributedWorkerError"]

ModelSpec = Union[nn.Module, Callable[[], nn.Module]]
LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]

MAX_WORLD_SIZE = 16          # a teaching helper: a handful of local processes, not a cluster
_PORT_RETRIES = 2            # another program may take the free port before rank 0 binds it
_GRACE_AFTER_ERROR_S = 2.0   # after a rank fails, how long to wait for the others to report
_LOG_TAIL_LINES = 20


class DistributedWorkerError(RuntimeError):
    """A worker process of :func:`ddp_gradients` failed; the message holds each rank's error.

    ``rank_errors`` maps each failed rank to its one-line error (``"ValueError: ..."``);
    ``first_traceback`` is the full traceback of the rank that failed first.
    """

    def __init__(self, message: str, rank_errors: dict[int, str] | None = None, first_traceback: str = "") -> None:
        super().__init__(message)
        self.rank_errors = dict(rank_errors or {})
        self.first_traceback = first_traceback


def shard_sizes(n_samples: int, world_size: int) -> list[int]:
    """How many samples each rank gets: as equal as possible, the first ranks one more.

    These are the sizes of ``torch.tensor_split(X, world_size)``.

    >>> shard_sizes(10, 4)
    [3, 3, 2, 2]
    >>> shard_sizes(1, 2)
    Traceback (most recent call last):
    ...
    ValueError: 1 samples cannot be shared among 2 ranks: every rank needs at least one sample
    """
    if n_samples < world_size:
        raise ValueError(f"{n_samples} samples cannot be shared among {world_size} ranks: "
                         "every rank needs at least one sample")
    base, extra = divmod(n_samples, world_size)
    return [base + (1 if rank < extra else 0) for rank in range(world_size)]


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port on ``host`` that is free right now (the operating system picks it: bind port 0).

    >>> 0 < free_port() < 65536
    True
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def check_loopback(host: str = "127.0.0.1", timeout: float = 2.0) -> None:
    """Raise a clear ``RuntimeError`` if this machine cannot open a TCP connection to itself on ``host``.

    The ranks meet on the loopback network. With the loopback interface down (a container or
    network namespace without ``lo``), gloo would wait for its whole timeout and then look like
    a slow machine; this says what is wrong at once.

    >>> check_loopback()
    """
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
            server.bind((host, 0))
            server.listen(1)
            with socket.create_connection(server.getsockname(), timeout=timeout):
                pass
    except OSError as exc:
        raise RuntimeError(
            f"ddp_gradients needs the loopback network ({host}) to connect its processes, and it does not work "
            f"here ({exc.strerror or exc}). Is the loopback interface down? On Linux, 'ip link set lo up' (as "
            "root) brings it up; in a container, start it with a network (not --network none).") from None


# ---------------------------------------------------------------------------------------------
# The worker: runs in each spawned process.
# ---------------------------------------------------------------------------------------------

def _loopback_interface() -> str | None:
    """The loopback interface's name (``lo`` on Linux, ``lo0`` on macOS), if this system has one."""
    try:
        names = {name for _, name in socket.if_nameindex()}
    except (OSError, AttributeError):  # Windows has no if_nameindex on older Pythons
        return None
    for name in ("lo", "lo0"):
        if name in names:
            return name
    return None


def _redirect_output(log_path: str) -> None:
    """Send this process's stdout and stderr (file descriptors 1 and 2) to ``log_path``.

    The spawned processes inherit the notebook kernel's output, so a warning printed by a
    worker (or by gloo's C++ code) would land in a random cell. The log is read back only
    when a worker dies without reporting.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)


def ddp_worker(rank: int, world_size: int, port: int, payload: bytes, results: Any, log_dir: str,
               timeout_s: float) -> None:
    """One rank of :func:`ddp_gradients` (a top-level function, so spawned processes can import it).

    What every rank does, in order:

    1. join the process group (``gloo`` backend, rendezvous at ``127.0.0.1:port``);
    2. wrap its copy of the model in ``DistributedDataParallel`` (which copies rank 0's
       parameters to every rank);
    3. compute the mean loss on its shard of the batch, weighted by ``world_size * n_rank / N``
       so that unequal shards still give the full-batch mean;
    4. ``backward()``: DDP's hooks all-reduce (sum) the gradients across ranks and divide by
       ``world_size`` while the backward pass runs;
    5. report to the parent through ``results`` (rank 0 sends its gradients, the others "ok"),
       or report its error; the process group is destroyed in every case.

    It is not meant to be called directly; :func:`ddp_gradients` spawns it.
    """
    _redirect_output(os.path.join(log_dir, f"rank{rank}.log"))
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel

    try:
        torch.set_num_threads(1)  # two ranks on two cores: more threads per rank only fight
        os.environ["MASTER_ADDR"] = "127.0.0.1"
        os.environ["MASTER_PORT"] = str(port)
        loopback = _loopback_interface()
        if loopback and "GLOO_SOCKET_IFNAME" not in os.environ:
            os.environ["GLOO_SOCKET_IFNAME"] = loopback  # keep gloo's traffic on this machine
        model_spec, X, y, loss_fn = pickle.loads(payload)

        dist.init_process_group("gloo", rank=rank, world_size=world_size, timeout=timedelta(seconds=timeout_s))
        model = model_spec if isinstance(model_spec, nn.Module) else model_spec()
        if not isinstance(model, nn.Module):
            raise TypeError(f"the model factory returned {type(model).__name__}, not an nn.Module")
        model.zero_grad(set_to_none=True)
        ddp_model = DistributedDataParallel(model)

        sizes = shard_sizes(X.shape[0], world_size)
        start = sum(sizes[:rank])
        X_rank, y_rank = X[start:start + sizes[rank]], y[start:start + sizes[rank]]
        weight = world_size * sizes[rank] / X.shape[0]   # 1.0 when the shards are equal
        loss = loss_fn(ddp_model(X_rank), y_rank) * weight
        if loss.dim() != 0:
            raise ValueError(f"loss_fn must return a single number (the mean loss), got shape {tuple(loss.shape)}")
        loss.backward()  # the all-reduce happens in here

        missing = [name for name, p in model.named_parameters() if p.requires_grad and p.grad is None]
        if missing:
            raise RuntimeError(f"parameters {missing} received no gradient: DistributedDataParallel only "
                               "averages gradients when every parameter is used in the forward pass")
        grads = {name: p.grad.detach().clone() for name, p in model.named_parameters() if p.grad is not None}
        data = None
        if rank == 0:
            buffer = io.BytesIO()
            torch.save(grads, buffer)
            data = buffer.getvalue()
        results.put(("ok", rank, data, ""))
    except BaseException as exc:  # noqa: BLE001 - every failure must reach the parent
        results.put(("error", rank, f"{type(exc).__name__}: {exc}".strip(), traceback.format_exc()))
    finally:
        # Push the report into the pipe before leaving the group: the other ranks only fail
        # ("connection closed") once this one has gone, so the parent reads the cause first.
        results.close()
        results.join_thread()
        if dist.is_available() and dist.is_initialized():
            dist.destroy_process_group()
        sys.stdout.flush()
        sys.stderr.flush()


# ---------------------------------------------------------------------------------------------
# The parent: checks the input, spawns the ranks, waits for them with a deadline.
# ---------------------------------------------------------------------------------------------

class _NoMainUnpickler(pickle.Unpickler):
    """Loads a payload the way a spawned process will, refusing names from ``__main__``."""

    def find_class(self, module: str, name: str) -> Any:
        if module in ("__main__", "__mp_main__"):
            raise TypeError(
                f"{name!r} is defined in the notebook or script itself (module __main__), which the spawned "
                "worker processes cannot import. Build the model from torch.nn layers (e.g. nn.Sequential), "
                "or define the class or function in a .py module and import it.")
        return super().find_class(module, name)


def _payload(model: ModelSpec, X: torch.Tensor, y: torch.Tensor, loss_fn: LossFn) -> bytes:
    """Pickle what every rank needs (all on the CPU), and make sure a spawned process can load it."""
    if isinstance(model, nn.Module):
        model = copy.deepcopy(model).cpu()
        model.zero_grad(set_to_none=True)
    try:
        payload = pickle.dumps((model, X.detach().cpu(), y.detach().cpu(), loss_fn))
    except (pickle.PicklingError, AttributeError, TypeError) as exc:
        raise TypeError(
            "ddp_gradients must send the model (or model factory) and loss_fn to new processes, so they must "
            "be picklable: use torch.nn layers and top-level functions from an importable module, not a "
            f"lambda or a local function ({type(exc).__name__}: {exc})") from None
    _NoMainUnpickler(io.BytesIO(payload)).load()
    return payload


def _check_inputs(model: Any, X: Any, y: Any, world_size: Any, loss_fn: Any, timeout: Any) -> None:
    import torch.distributed as dist

    if isinstance(world_size, bool) or not isinstance(world_size, int):
        raise TypeError(f"world_size must be an int (the number of processes), got {world_size!r}")
    if not 1 <= world_size <= MAX_WORLD_SIZE:
        raise ValueError(f"world_size must be between 1 and {MAX_WORLD_SIZE}, got {world_size}")
    for name, value in (("X", X), ("y", y)):
        if not isinstance(value, torch.Tensor):
            raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}")
        if value.dim() == 0:
            raise ValueError(f"{name} must have a batch dimension (dim 0), got a 0-d tensor")
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"X and y must hold the same number of samples (dim 0): X has {X.shape[0]}, "
                         f"y has {y.shape[0]}")
    shard_sizes(X.shape[0], world_size)  # raises if a rank would get no sample
    if isinstance(model, nn.Module):
        if not any(p.requires_grad for p in model.parameters()):
            raise ValueError("the model has no parameter that requires a gradient: there is nothing to average")
    elif not callable(model):
        raise TypeError(f"model must be an nn.Module or a function that returns one, got {type(model).__name__}")
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable, got {type(loss_fn).__name__}")
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
    if not dist.is_available() or not dist.is_gloo_available():
        raise RuntimeError("this PyTorch build has no torch.distributed gloo backend, which ddp_gradients needs")


@contextlib.contextmanager
def _child_environment(**values: str) -> Iterator[None]:
    """Set environment variables while the children start (they copy the environment), then restore."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


def _log_tail(log_dir: str, rank: int) -> str:
    path = Path(log_dir) / f"rank{rank}.log"
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return ""
    return "\n".join(lines[-_LOG_TAIL_LINES:])


def _stop(processes: list[Any]) -> None:
    """Terminate whatever is still running, then kill what ignores it; never wait long."""
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        if process.pid is None:  # never started (start() itself failed)
            continue
        process.join(timeout=2.0)
        if process.is_alive():
            process.kill()
            process.join(timeout=2.0)


def _context() -> Any:
    """``forkserver`` where the platform has it, else ``spawn``; never plain ``fork``.

    Both start clean processes, so they work from Jupyter. The fork server imports torch
    (and the parts DDP needs) once, then forks each rank from that ready process: the
    ranks start in a fraction of a second instead of each importing torch, and a second
    call in the same kernel reuses the server.
    """
    import torch.multiprocessing as mp

    if "forkserver" not in mp.get_all_start_methods():
        return mp.get_context("spawn")
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(["torch", "torch._dynamo", "torch.distributed", "course_utils.distributed"])
    return ctx


def _run_once(payload: bytes, world_size: int, timeout: float) -> dict[str, torch.Tensor]:
    ctx = _context()
    results = ctx.Queue()
    port = free_port()
    deadline = time.monotonic() + timeout
    with tempfile.TemporaryDirectory(prefix="ddp_gradients_") as log_dir:
        processes = [ctx.Process(target=ddp_worker, name=f"ddp-rank{rank}", daemon=True,
                                 args=(rank, world_size, port, payload, results, log_dir, float(timeout)))
                     for rank in range(world_size)]
        reports: dict[int, tuple[str, Any, str]] = {}  # rank -> (status, data or error line, traceback)
        errors: list[int] = []  # ranks in the order their errors arrived
        first_error_at: float | None = None

        def record(status: str, rank: int, data: Any, trace: str) -> None:
            nonlocal first_error_at
            reports[rank] = (status, data, trace)
            if status == "error":
                errors.append(rank)
                first_error_at = first_error_at or time.monotonic()

        try:
            with _child_environment(OMP_NUM_THREADS="1"):
                for process in processes:
                    process.start()
            while len(reports) < world_size:
                now = time.monotonic()
                if first_error_at is not None and (now - first_error_at > _GRACE_AFTER_ERROR_S
                                                   or not any(p.is_alive() for p in processes)):
                    break  # a rank failed: give the others a moment to report, then stop them all
                if now > deadline:
                    running = [r for r in range(world_size) if r not in reports]
                    raise TimeoutError(
                        f"ddp_gradients: the {world_size} worker processes did not finish within {timeout:g} s "
                        f"(ranks {running} had not reported). The first start costs a few seconds (torch is "
                        "imported); pass a larger timeout on a slow or busy machine.")
                try:
                    record(*results.get(timeout=min(0.05, max(deadline - now, 0.001))))
                    continue
                except queue_module.Empty:
                    pass
                silent = [r for r, p in enumerate(processes) if r not in reports and p.exitcode is not None]
                if silent:
                    try:  # a report may still be in the pipe although its process has exited
                        record(*results.get(timeout=0.5))
                    except queue_module.Empty:
                        rank = silent[0]
                        record("error", rank, f"the process exited with code {processes[rank].exitcode} "
                               "without reporting", _log_tail(log_dir, rank))
        finally:
            _stop(processes)
            results.close()
            results.join_thread()

        if errors:
            rank_errors = {rank: reports[rank][1] for rank in errors}
            first = errors[0]
            lines = [f"ddp_gradients: worker rank {first} of {world_size} failed with {rank_errors[first]}"]
            lines += [f"  rank {rank} also failed: {rank_errors[rank]}" for rank in errors[1:]]
            trace = reports[first][2].rstrip()
            if trace:
                lines += [f"Traceback or output of rank {first}:", trace]
            raise DistributedWorkerError("\n".join(lines), rank_errors, trace)
        grads = torch.load(io.BytesIO(reports[0][1]), weights_only=True)
        return grads


def ddp_gradients(model: ModelSpec, X: torch.Tensor, y: torch.Tensor, world_size: int = 2, *,
                  loss_fn: LossFn | None = None, timeout: float = 120.0) -> dict[str, torch.Tensor]:
    """The gradients that ``world_size`` DistributedDataParallel processes agree on, for one batch.

    Each of ``world_size`` new processes (``forkserver`` or ``spawn``, gloo backend, CPU, ``127.0.0.1`` only)
    takes a copy of ``model``, computes ``loss_fn`` on its shard of ``(X, y)`` (``X`` is split
    along dim 0 as by ``torch.tensor_split``) and calls ``backward()``; DDP all-reduces the
    gradients (a sum across ranks) and divides by ``world_size``. Rank 0's averaged gradients
    come back, on the CPU, keyed like ``model.named_parameters()``. They equal the gradient
    of ``loss_fn(model(X), y)`` computed in one process. With unequal shards each rank weighs
    its loss by ``world_size * n_rank / N``, the correction chapter 15 derives.

    Args:
        model: an ``nn.Module`` (copied to every rank; the caller's model is not changed), or a
            function without arguments that builds one (called in every rank, so it must be
            importable and should seed; DDP copies rank 0's parameters to the others anyway).
            Its classes must come from importable modules, not from the notebook itself.
        X, y: the whole batch; ``X.shape[0] == y.shape[0] >= world_size``. Moved to the CPU.
        world_size: how many processes (ranks), 1 to 16.
        loss_fn: ``loss_fn(output, target)`` returning the *mean* loss over the samples given;
            defaults to ``torch.nn.functional.mse_loss``. Must be picklable (no lambda).
        timeout: seconds for the whole run, process start-up included.

    Raises:
        TypeError, ValueError: bad input, before any process starts.
        RuntimeError: the loopback network (127.0.0.1) does not work, before any process starts.
        DistributedWorkerError: a worker failed; the message names the rank and its error.
        TimeoutError: the workers did not finish in ``timeout`` seconds; they are stopped.

    The processes import ``course_utils.distributed``; from a script, call this under
    ``if __name__ == "__main__":`` as for any spawned process. Example (takes a few seconds)::

    >>> torch.manual_seed(0)  # doctest: +SKIP
    >>> model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))  # doctest: +SKIP
    >>> X, y = torch.randn(8, 3), torch.randn(8, 1)  # doctest: +SKIP
    >>> grads = ddp_gradients(model, X, y, world_size=2)  # doctest: +SKIP
    >>> nn.functional.mse_loss(model(X), y).backward()  # doctest: +SKIP
    >>> all(torch.allclose(grads[n], p.grad) for n, p in model.named_parameters())  # doctest: +SKIP
    True
    """
    if loss_fn is None:
        loss_fn = nn.functional.mse_loss
    _check_inputs(model, X, y, world_size, loss_fn, timeout)
    check_loopback()
    payload = _payload(model, X, y, loss_fn)
    for attempt in range(_PORT_RETRIES + 1):
        try:
            return _run_once(payload, world_size, float(timeout))
        except DistributedWorkerError as exc:
            port_taken = any("address already in use" in message.lower() for message in exc.rank_errors.values())
            if not port_taken or attempt == _PORT_RETRIES:
                raise
    raise AssertionError("unreachable")  # pragma: no cover
