"""The one nbval sanitize file: every rule parses (a malformed file would silently apply none) and works."""
from __future__ import annotations

import pytest

from coursetools.sanitize import SANITIZE_FILE, load_rules, sanitize


def test_nbval_reads_every_rule() -> None:
    from nbval.plugin import get_sanitize_patterns

    with open(SANITIZE_FILE, encoding="utf-8") as handle:
        patterns = get_sanitize_patterns(handle.read())
    assert len(patterns) == len(load_rules()) >= 6
    assert all(replacement for _, replacement in patterns)


@pytest.mark.parametrize("raw, clean", [
    ("Python 3.11.7 | torch 2.13.0+cpu | device cpu | local\n", "ENVIRONMENT-SUMMARY\n"),
    ("Python 3.12.1 | torch 2.5.1+cu121 | device cuda | Colab", "ENVIRONMENT-SUMMARY"),
    ("<function f at 0x7f3a2b1c0d90>", "<function f at ADDRESS>"),
    ("<torch.utils.hooks.RemovableHandle object at 0x7f00aa>", "<torch.utils.hooks.RemovableHandle object at ADDRESS>"),
    ("/tmp/ipykernel_1234/567.py:3: UserWarning", "<cell>:3: UserWarning"),
    ('File "/tmp/ipykernel_1234/567.py", line 3', 'File "<cell>", line 3'),
    ("tensor([1., 2.], device='cuda:0', requires_grad=True)", "tensor([1., 2.], requires_grad=True)"),
    ("tensor(3., device='cuda:0')", "tensor(3.)"),
    ("device(type='cuda', index=0)", "device(type='cpu')"),
    ("tensor([0.1, 0.2, 0.3, 0.4, 0.5], device='cuda:0',\n       requires_grad=True)",
     "tensor([0.1, 0.2, 0.3, 0.4, 0.5], requires_grad=True)"),
    ("output 0 of torch.cuda.FloatTensor [5]", "output 0 of torch.FloatTensor [5]"),
    ("training took ⏱ 12.3 ms", "training took ⏱ TIME"),
    ("GPU timing: no GPU found on this machine", "GPU timing: MEASURED-OR-ABSENT"),
    ("GPU timing: ⏱ 1.2 ms", "GPU timing: MEASURED-OR-ABSENT"),
    ("is being accessed. (Triggered internally at /__w/pytorch/pytorch/build/aten/src/ATen/core/TensorBody.h:493.)",
     "is being accessed. (Triggered internally at TORCH-SOURCE)"),
])
def test_rule_examples(raw: str, clean: str) -> None:
    assert sanitize(raw) == clean


@pytest.mark.parametrize("text", [
    "tensor([75.]) tensor([-12.])",
    "Correct: first_gradients.perceptron_by_hand (dL/dW)",
    "device cpu is used for 12.5 ms of work",  # not the course's timer format: left alone
])
def test_ordinary_output_is_untouched(text: str) -> None:
    assert sanitize(text) == text


def test_section_without_replacement_is_an_error(tmp_path) -> None:
    bad = tmp_path / "bad.cfg"
    bad.write_text("[rule]\nregex: abc\nreplace:\n")
    with pytest.raises(ValueError, match="replace"):
        load_rules(bad)
