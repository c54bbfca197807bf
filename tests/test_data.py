"""The shipped data: loads with the recorded numbers, refuses a missing or altered file."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from course_utils import data


def test_regression_data_matches_its_provenance() -> None:
    X, y, coef, bias = data.load_regression()
    assert X.shape == (1500, 1) and y.shape == (1500,)
    assert X.dtype == np.float64 and y.dtype == np.float64
    assert coef.shape == () and round(float(coef), 4) == 0.4787 and bias == 2.0
    # the noise is small (sigma 0.3): the points lie close to the true line
    residual = y - (X[:, 0] * coef + bias)
    assert abs(residual.std() - 0.3) < 0.03


def test_matches_scikit_learn_generator() -> None:
    sklearn = pytest.importorskip("sklearn.datasets")
    X, y, coef = sklearn.make_regression(n_samples=1500, n_features=1, n_informative=1, noise=0.3, coef=True,
                                         random_state=0, bias=2)
    loaded = data.load_regression()
    assert np.array_equal(loaded.X, X) and np.array_equal(loaded.y, y) and float(loaded.coef) == float(coef)


@pytest.fixture
def data_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for item in data.data_dir().iterdir():
        if item.is_file():
            shutil.copy(item, tmp_path / item.name)
    monkeypatch.setattr(data, "data_dir", lambda: tmp_path)
    return tmp_path


def test_altered_file_is_refused(data_copy: Path) -> None:
    path = data_copy / "regression_1500.csv"
    path.write_text(path.read_text().replace("1.9010067882265007", "1.9010067882265008"))
    with pytest.raises(data.DataError, match="differs from the one the course was written for"):
        data.load_regression()


def test_missing_file_is_refused(data_copy: Path) -> None:
    (data_copy / "regression_1500.csv").unlink()
    with pytest.raises(data.DataError, match="missing"):
        data.load_regression()


def test_unknown_name_is_refused() -> None:
    with pytest.raises(data.DataError, match="regression_1500.csv"):
        data.data_path("mnist.csv")


def test_a_windows_checkout_with_crlf_is_the_same_file(data_copy: Path) -> None:
    path = data_copy / "regression_1500.csv"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    X, y, _, _ = data.load_regression()
    assert X.shape == (1500, 1) and y.shape == (1500,)


def test_gitattributes_keep_data_and_notebooks_lf() -> None:
    from tests.conftest import ROOT

    text = (ROOT / ".gitattributes").read_text()
    for pattern in ("*.csv text eol=lf", "*.ipynb text eol=lf", "*.json text eol=lf", "course text eol=lf"):
        assert pattern in text


@pytest.mark.parametrize("content, says", [
    ("{not json", "not valid JSON"),
    ('{"regression_1500.csv": {"rows": 1500}}', "has no 'sha256'"),
    ("[1, 2]", "should map file names"),
])
def test_a_damaged_manifest_is_named_not_a_raw_error(data_copy: Path, content: str, says: str) -> None:
    (data_copy / "manifest.json").write_text(content)
    with pytest.raises(data.DataError, match=says) as info:
        data.load_regression()
    assert str(data_copy / "manifest.json") in str(info.value)


def test_a_missing_manifest_names_every_place_looked(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(data, "_candidates", lambda: [tmp_path / "data", tmp_path / "datasets"])
    with pytest.raises(data.DataError, match="looked for") as info:
        data.load_regression()
    assert str(tmp_path / "data") in str(info.value) and str(tmp_path / "datasets") in str(info.value)
