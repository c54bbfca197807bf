"""How data/regression_1500.csv was made (run once; the course never runs this).

Seed 000 generates its data with scikit-learn at run time. The course stores the
result instead, so that a change in scikit-learn's generator, or a machine without
network, cannot change a single printed number. Re-running this script with
scikit-learn 1.9.1 reproduces the file byte for byte; the checksum in
manifest.json guards it.

    python -m coursetools.make_regression_data

It is a maintainer's tool (it needs scikit-learn, in the test extra); the package that learners
install ships only the data file and its manifest.
"""
from pathlib import Path

import numpy as np
from sklearn.datasets import make_regression

X, y, coef = make_regression(n_samples=1500, n_features=1, n_informative=1, noise=0.3,
                             coef=True, random_state=0, bias=2)
target = Path(__file__).resolve().parent.parent / "data" / "regression_1500.csv"
np.savetxt(target, np.column_stack([X[:, 0], y]), delimiter=",", header="x,y", comments="", fmt="%.17g")
print(f"wrote {target} (coef={float(coef)!r})")
