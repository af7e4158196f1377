"""PRIM finds a box planted in the lever space, reports the trade-off, and
says the box in words."""

import numpy as np

from mutsim_analysis import prim

NAMES = ["fund_budget", "contract_years", "noise"]


def planted(n=2000, seed=4):
    # Cases of interest: fund_budget > 0.6 and contract_years < 0.5 (0.4 x
    # 0.5 = 20% of the unit cube), with 5% label noise; the third lever
    # does not matter.
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 1, (n, 3))
    y = ((x[:, 0] > 0.6) & (x[:, 1] < 0.5)).astype(float)
    flip = rng.uniform(size=n) < 0.05
    return x, np.where(flip, 1 - y, y)


def test_peeling_finds_the_planted_box():
    x, y = planted()
    result = prim.peel(x, y, NAMES, lower=[0] * 3, upper=[1] * 3)
    table = result.table()
    assert table["density"].iloc[0] < 0.3           # the whole space
    assert table["density"].max() > 0.85            # the box is dense
    assert table["coverage"].iloc[0] == 1.0
    assert np.all(np.diff(table["mass"]) < 0)       # each peel removes points
    box = result.choose(min_coverage=0.7)
    assert box is not None and box.density > 0.8
    # The box restricts the two levers that matter, near their thresholds.
    assert abs(box.lower[0] - 0.6) < 0.08 and abs(box.upper[1] - 0.5) < 0.08
    assert 2 not in result.restricted(box) or (
        box.upper[2] - box.lower[2] > 0.8)
    words = result.describe(box)
    # (label noise may trim the box's top end as well)
    assert "fund_budget " in words and "contract_years at most" in words


def test_pasting_never_lowers_density():
    x, y = planted()
    result = prim.peel(x, y, NAMES, lower=[0] * 3, upper=[1] * 3)
    box = result.trajectory[len(result.trajectory) // 2]
    pasted = prim.paste(x, y, result, box)
    assert pasted.density >= box.density
    assert pasted.mass >= box.mass


def test_no_case_of_interest_gives_no_box():
    x, _ = planted()
    result = prim.peel(x, np.zeros(len(x)), NAMES)
    assert result.choose(0.5) is None
    assert result.describe(None) == "no box reaches the required coverage"
