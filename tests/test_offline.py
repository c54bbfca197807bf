"""The course runs offline: every kernel the tests start carries the network guard."""
from __future__ import annotations

import os
import subprocess
import sys

from coursetools.notebooks import OFFLINE_GUARD

PROBE = """
import socket, urllib.request
try:
    urllib.request.urlopen("http://example.com", timeout=5)
    print("REACHED")
except OSError as exc:
    print("BLOCKED", "course must work offline" in str(exc))
server = socket.socket(); server.bind(("127.0.0.1", 0)); server.listen(1)
client = socket.socket(); client.connect(server.getsockname()); print("LOOPBACK OK")
"""


def test_guard_is_on_the_kernels_path() -> None:
    # tests/conftest.py applied the kernel environment: nbval's kernels inherit it
    assert str(OFFLINE_GUARD) in os.environ["PYTHONPATH"].split(os.pathsep)


def test_guard_blocks_the_internet_and_keeps_loopback() -> None:
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "PYTHONPATH": str(OFFLINE_GUARD)}).stdout.split("\n")
    assert out[0] == "BLOCKED True"
    assert out[1] == "LOOPBACK OK"


def test_data_files_are_all_shipped_and_checksummed() -> None:
    import json

    from course_utils.data import data_dir, data_path

    manifest = json.loads((data_dir() / "manifest.json").read_text())
    for name in manifest:
        assert data_path(name).is_file()
    shipped = {p.name for p in data_dir().iterdir() if p.suffix in (".csv", ".npz", ".npy", ".json", ".pt")}
    assert shipped - {"manifest.json"} == set(manifest), "every data file must be listed in manifest.json"
