"""What Colab installs (a wheel built from the repository) carries the helpers and the data."""
from __future__ import annotations

import subprocess
import sys
import zipfile

from coursetools.notebooks import ROOT


def test_wheel_ships_helpers_exercises_and_data(tmp_path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(tmp_path), str(ROOT)],
                   check=True, capture_output=True, timeout=300)
    wheel = next(tmp_path.glob("course_utils-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in ("course_utils/__init__.py", "course_utils/checks/__init__.py",
                     "course_utils/exercises/first_gradients.py", "course_utils/datasets/manifest.json",
                     "course_utils/datasets/regression_1500.csv", "course_utils/plots/live.py"):
        assert expected in names, f"the wheel lacks {expected}"
