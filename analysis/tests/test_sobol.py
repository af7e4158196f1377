"""Sobol indices: the estimators recover the Ishigami function's analytic
indices, the design has the Saltelli structure, and the sweep file it writes
is one `mutsim sweep` accepts."""

import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

from mutsim_analysis import sobol

REPO = Path(__file__).resolve().parents[2]
BINARY = Path(os.environ.get("MUTSIM_BINARY",
                             REPO / "build" / "bin" / "mutsim"))

# Ishigami (a = 7, b = 0.1) on [-pi, pi]^3: V = a^2/8 + b pi^4/5 +
# b^2 pi^8/18 + 1/2; V1 = (1 + b pi^4/5)^2 / 2, V2 = a^2/8, V13 =
# b^2 pi^8 (1/18 - 1/50); S3 = 0 (Saltelli et al. 2008, section 4.8).
A, B = 7.0, 0.1
V = A**2 / 8 + B * np.pi**4 / 5 + B**2 * np.pi**8 / 18 + 0.5
V1 = (1 + B * np.pi**4 / 5) ** 2 / 2
V2 = A**2 / 8
V13 = B**2 * np.pi**8 * (1 / 18 - 1 / 50)
TRUE_S1 = [V1 / V, V2 / V, 0.0]
TRUE_ST = [(V1 + V13) / V, V2 / V, V13 / V]


def ishigami(x):
    return (np.sin(x[:, 0]) + A * np.sin(x[:, 1]) ** 2
            + B * x[:, 2] ** 4 * np.sin(x[:, 0]))


def test_ishigami_indices_are_recovered():
    names = ["x1", "x2", "x3"]
    design = sobol.saltelli_design([-np.pi] * 3, [np.pi] * 3, 4096, seed=3)
    table = sobol.indices(ishigami(design), names, n_boot=300)
    for i in range(3):
        row = table.iloc[i]
        # The 95% bootstrap interval spans about 4 standard errors: the
        # estimate must sit within 4 standard errors (twice its width) of
        # the truth, and the truth within a width of the interval.
        for index, truth in (("S1", TRUE_S1[i]), ("ST", TRUE_ST[i])):
            width = row[f"{index}_high"] - row[f"{index}_low"]
            assert abs(row[index] - truth) <= max(2 * width, 0.01), \
                (names[i], index, row[index], truth)
    assert table["ST"].iloc[2] > 0.15 and abs(table["S1"].iloc[2]) < 0.05


def test_design_has_the_saltelli_structure():
    d = sobol.saltelli_design([0, 10], [1, 20], 8, seed=1, integer=[0, 1])
    assert d.shape == (8 * 4, 2)
    a, b, ab1, ab2 = d[:8], d[8:16], d[16:24], d[24:]
    assert np.array_equal(ab1[:, 0], b[:, 0])
    assert np.array_equal(ab1[:, 1], a[:, 1])
    assert np.array_equal(ab2[:, 1], b[:, 1])
    assert np.all(d[:, 1] == np.floor(d[:, 1])) and d[:, 1].min() >= 10
    assert d[:, 1].max() <= 20
    with pytest.raises(ValueError, match="do not form a Saltelli design"):
        sobol.indices(np.zeros(10), ["a", "b"])


def test_morris_comparison_flags_disagreement():
    table = sobol.indices(ishigami(sobol.saltelli_design(
        [-np.pi] * 3, [np.pi] * 3, 256, seed=2)), ["x1", "x2", "x3"],
        n_boot=50)
    cmp = sobol.compare_with_morris(table, {"x1": 3, "x2": 2, "x3": 1})
    assert bool(cmp.set_index("parameter").loc["x1", "disagree"])


def test_sweep_file_runs(tmp_path):
    if not BINARY.exists():
        pytest.fail(f"{BINARY} not built: run 'make build' first")
    names = ["attitude.baseline", "pipeline.cooldown_months"]
    design = sobol.saltelli_design([-0.1, 12], [0.2, 36], 2, seed=1,
                                   integer=[False, True])
    text = sobol.sweep_yaml(REPO / "tests/data/small.yaml", names, design,
                            seed=5, replicates=1, integer=[False, True],
                            fixed={"population.scale": 0.2,
                                   "time.end": "2010-06"})
    path = tmp_path / "s.yaml"
    path.write_text(text)
    subprocess.run([str(BINARY), "sweep", str(path), "-o",
                    str(tmp_path / "s.h5"), "-q"], check=True)
    import h5py
    with h5py.File(tmp_path / "s.h5") as f:
        assert f["series/share_in_mutuals"].shape[0] == design.shape[0]
        assert np.allclose(f["points"]["attitude.baseline"], design[:, 0])
