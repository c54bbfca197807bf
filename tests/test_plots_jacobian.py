"""plot_jacobian (chapter 03): checked through its artists (images, cell texts, labels), never pixels."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from course_utils.plots import plot_jacobian  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _cell_texts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


def _rows_by_backward(x: torch.Tensor, f) -> list[torch.Tensor]:
    out = f(x)
    rows = []
    for i in range(out.numel()):
        out.backward(torch.eye(out.numel())[i], retain_graph=True)
        rows.append(x.grad)
        x.grad = None
    return rows


def test_rows_and_matrix_show_the_same_numbers_with_labels_in_words() -> None:
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    rows = _rows_by_backward(x, lambda t: t * t.sum())  # tensors that require no grad, from backward
    J = torch.autograd.functional.jacobian(lambda t: t * t.sum(), x)
    fig = plot_jacobian(J, rows=rows, input_name="x", output_name="g")
    row_ax, matrix_ax, colorbar_ax = fig.axes
    assert len(row_ax.images) == 3 and len(matrix_ax.images) == 1  # one strip per backward pass, one matrix
    expected = ["7", "1", "1", "2", "8", "2", "3", "3", "9"]
    assert _cell_texts(row_ax) == expected and _cell_texts(matrix_ax) == expected
    assert [t.get_text() for t in row_ax.get_yticklabels()] == [f"backward(e{i}) → row {i}" for i in range(3)]
    assert [t.get_text() for t in matrix_ax.get_yticklabels()] == ["g[0]", "g[1]", "g[2]"]
    assert [t.get_text() for t in matrix_ax.get_xticklabels()] == ["x[0]", "x[1]", "x[2]"]
    assert matrix_ax.get_xlabel() == "input x[j] (column)" and matrix_ax.get_ylabel() == "output g[i] (row)"
    assert row_ax.get_title() == "one backward pass per row" and matrix_ax.get_title() == "the Jacobian J = dg/dx"
    assert colorbar_ax.get_ylabel() == "derivative"


def test_strips_are_apart_and_the_matrix_is_whole() -> None:
    fig = plot_jacobian(np.eye(2), rows=np.eye(2))
    first, second = (image.get_extent() for image in fig.axes[0].images)
    assert second[3] - first[2] > 0  # a gap between the rows: each is a backward pass of its own
    assert fig.axes[1].images[0].get_array().shape == (2, 2)


def test_one_colour_scale_centred_on_zero() -> None:
    fig = plot_jacobian([[1.0, -3.0]], rows=[[1.0, -3.0]])
    for ax in fig.axes[:2]:
        for image in ax.images:
            assert image.get_clim() == (-3.0, 3.0)
    # strong cells get white text, weak ones black, so every value stays readable
    colours = {t.get_text(): t.get_color() for t in fig.axes[1].texts}
    assert colours == {"1": "black", "-3": "white"}


def test_without_rows_only_the_matrix() -> None:
    fig = plot_jacobian(torch.tensor([[2.0, 0.0], [0.5, 1.0]]), title="J")
    assert len(fig.axes) == 2 and fig.axes[0].get_title() == "the Jacobian J = dy/dx"
    assert _cell_texts(fig.axes[0]) == ["2", "0", "0.5", "1"]
    assert fig._suptitle.get_text() == "J"


@pytest.mark.parametrize("jacobian, rows, message", [
    (np.ones((2, 3)), np.ones((3, 2)), r"rows has shape \(3, 2\), but the Jacobian has shape \(2, 3\)"),
    (np.ones((2, 2, 2)), None, "must be a matrix"),
    (np.zeros((0, 3)), None, "must be a matrix"),
    ([[1.0, float("nan")]], None, "NaN"),
    ("abc", None, "must be numbers"),
])
def test_bad_input_is_refused_clearly(jacobian, rows, message) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        plot_jacobian(jacobian, rows=rows)
