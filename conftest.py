"""Loaded by pytest for every test here, notebooks included (also `pytest notebooks/01_*.ipynb` alone).

Every kernel that nbval starts inherits the course's kernel environment: stable warning
paths, headless plots, and the network guard that proves the course runs offline.
"""
from coursetools.notebooks import apply_kernel_env

apply_kernel_env()
