"""Device choice, seeding, the environment line and the chapter setup call."""
from __future__ import annotations

import random
import warnings

import numpy as np
import pytest
import torch

import course_utils
from course_utils import environment
from course_utils.device import get_device


def test_default_device_is_the_best_available(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COURSE_DEVICE", raising=False)
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    if not torch.cuda.is_available() and torch.backends.mps.is_available():
        expected = "mps"
    assert get_device().type == expected


def test_environment_variable_forces_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COURSE_DEVICE", "cpu")
    assert get_device() == torch.device("cpu")


def test_unknown_device_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COURSE_DEVICE", "tpu")
    with pytest.raises(ValueError, match=r"COURSE_DEVICE.*'tpu'.*cpu, cuda, mps"):
        get_device()
    with pytest.raises(ValueError, match="get_device"):
        get_device("gpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_unavailable_device_is_refused() -> None:
    with pytest.raises(RuntimeError, match="not available"):
        get_device("cuda")


def test_seed_everything_repeats_every_source() -> None:
    def draw():
        return random.random(), np.random.rand(), torch.rand(3).tolist()

    course_utils.seed_everything(123)
    first = draw()
    course_utils.seed_everything(123)
    assert draw() == first
    course_utils.seed_everything(124)
    assert draw() != first


@pytest.mark.parametrize("bad", [-1, 2**32, 1.5, "1", None, True])
def test_seed_everything_rejects_bad_seeds(bad) -> None:
    with pytest.raises((TypeError, ValueError), match="seed"):
        course_utils.seed_everything(bad)


def test_environment_summary_is_one_line() -> None:
    line = course_utils.environment_summary("cpu")
    assert "\n" not in line
    assert line.startswith("Python ") and f"torch {torch.__version__}" in line and "device cpu" in line
    assert line.endswith("| local")


def test_old_torch_is_warned_about(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch, "__version__", "2.2.2")
    with pytest.warns(UserWarning, match="torch 2.3"):
        course_utils.environment_summary("cpu")


def test_current_torch_is_not_warned_about() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        course_utils.environment_summary("cpu")


def test_colab_and_live_detection(monkeypatch: pytest.MonkeyPatch) -> None:
    assert not environment.is_colab()
    monkeypatch.delenv("COURSE_LIVE", raising=False)
    monkeypatch.delenv("VSCODE_PID", raising=False)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    assert not environment.is_live_frontend()
    monkeypatch.setenv("JPY_SESSION_NAME", "/notebooks/01.ipynb")  # what jupyter_server sets for its kernels
    assert environment.is_live_frontend()
    monkeypatch.setenv("COURSE_LIVE", "0")
    assert not environment.is_live_frontend()


def test_start_chapter_seeds_and_prints(capsys: pytest.CaptureFixture[str]) -> None:
    device = course_utils.start_chapter(seed=7)
    assert isinstance(device, torch.device)
    assert capsys.readouterr().out.startswith("Python ")
    value = torch.rand(1).item()
    course_utils.start_chapter(seed=7, style=False)
    assert torch.rand(1).item() == value


def test_import_stays_light() -> None:
    """Heavy libraries load where they are used, never at `import course_utils`."""
    import subprocess
    import sys

    code = ("import sys, course_utils; "
            "print(sorted(m for m in ('seaborn', 'sklearn', 'scipy', 'nbformat', 'matplotlib', 'IPython') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_lazy_attributes_resolve() -> None:
    assert callable(course_utils.check)
    assert callable(course_utils.draw_graph)
    with pytest.raises(AttributeError):
        course_utils.no_such_helper  # noqa: B018


def _clean_env(**extra: str) -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if k not in ("MPLCONFIGDIR", "XDG_CONFIG_HOME", "XDG_CACHE_HOME")}
    env.update(extra)
    return env


def test_a_read_only_home_prints_no_matplotlib_warning() -> None:
    import subprocess
    import sys

    code = ("import course_utils; course_utils.start_chapter(); import matplotlib.pyplot as plt; "
            "plt.figure(); import os; print(os.environ['MPLCONFIGDIR'])")
    # /proc cannot hold a new folder, even for root: as unwritable as a HOME gets
    run = subprocess.run([sys.executable, "-c", code], env=_clean_env(HOME="/proc/course-no-home"),
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "Matplotlib" not in run.stderr and "not a writable directory" not in run.stderr, run.stderr
    assert run.stdout.strip().endswith("matplotlib")


def test_mplbackend_agg_does_not_hide_figures_in_a_notebook() -> None:
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import course_utils\n_ = course_utils.start_chapter()"),
                nbformat.v4.new_code_cell("import matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.show()")]
    import os

    saved = os.environ.get("MPLBACKEND")
    os.environ["MPLBACKEND"] = "Agg"
    try:
        NotebookClient(nb, kernel_name="python3", timeout=120).execute()
    finally:
        if saved is None:
            os.environ.pop("MPLBACKEND")
        else:
            os.environ["MPLBACKEND"] = saved
    assert any("MPLBACKEND=Agg would hide" in o.get("text", "") for o in nb.cells[0].outputs)
    assert any("image/png" in o.get("data", {}) for o in nb.cells[1].outputs)


def test_torch_that_cannot_use_numpy_is_warned_about(monkeypatch: pytest.MonkeyPatch) -> None:
    """torch 2.2 with NumPy 2: the bridge fails ("Numpy is not available"); the setup cell must say so."""
    import warnings

    import torch

    from course_utils.environment import environment_summary

    def unavailable(*args, **kwargs):
        raise RuntimeError("Numpy is not available")

    monkeypatch.setattr(torch, "from_numpy", unavailable)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        environment_summary("cpu")
    assert any("cannot use NumPy" in str(w.message) and "numpy<2" in str(w.message) for w in caught)


def test_only_torchs_warning_about_its_own_jit_is_hidden(capsys: pytest.CaptureFixture[str]) -> None:
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        course_utils.start_chapter(seed=0)
        warnings.warn("`torch.jit.script` is deprecated. Please switch to `torch.compile` or `torch.export`.",
                      FutureWarning)
        warnings.warn("something the learner should see", FutureWarning)
    assert [str(w.message) for w in caught] == ["something the learner should see"]


def test_old_torch_imports_dynamo_before_any_transform_and_new_torch_does_not() -> None:
    """Chapter 13's torch.func over a custom Function fails on torch 2.3 unless torch._dynamo was imported
    first (a circular import in torch; compat row "oldest"). Only versions before 2.9 pay for the import."""
    from course_utils.session import _import_dynamo_first_on_old_torch

    assert _import_dynamo_first_on_old_torch("2.3.1+cu121") is True
    assert _import_dynamo_first_on_old_torch("2.8.0") is True
    assert _import_dynamo_first_on_old_torch("2.9.1") is False
    assert _import_dynamo_first_on_old_torch("2.10.0.dev20260101") is False
