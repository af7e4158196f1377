"""Build small mutsim output files that follow docs/OUTPUT.md exactly."""

import h5py
import numpy as np

ROOT_ATTRS = {
    "format": "mutsim",
    "format_version": "1.0",
    "mutsim_version": "0.0.0-test",
    "git_commit": "unknown",
    "library_versions": "synthetic",
    "scenario_path": "scenarios/synthetic.yaml",
    "scenario_yaml": "name: synthetic\n",
    "effective_yaml": "name: synthetic\n",
    "overrides": "",
    "target_share": 1.0 / 6.0,
    "target_date": "2015-03",
    "routes": "tcs,rtp,psm",
}

EVENT_DTYPE = np.dtype([("replicate", "<u4"), ("month", "<i4"),
                        ("kind", "S16"), ("route", "S16"),
                        ("organisation", "<u4"), ("service", "<u4"),
                        ("staff", "<f8")])
# Format 1.3 adds each event's weight.
WEIGHTED_EVENT_DTYPE = np.dtype(EVENT_DTYPE.descr + [("weight", "<f8")])
ORGANISATION_DTYPE = np.dtype([("id", "<u4"), ("type", "S32"),
                               ("sector", "S32"), ("staff", "<f8"),
                               ("services", "<u4")])


def monthly_dates(start="2010-01", end="2015-12"):
    """['YYYY-MM', ...] from start to end inclusive."""
    months = np.arange(np.datetime64(start, "M"), np.datetime64(end, "M") + 1)
    return [str(m) for m in months]


def make_file(path, series, dates=None, attrs=None, events=(),
              organisations=None):
    """Write a mutsim file at ``path``.

    series: {name: array [R, T]}; dates: 'YYYY-MM' strings (default
    2010-01..2015-12); attrs: root attributes overriding ROOT_ATTRS (a value
    of None drops the attribute); events: tuples (replicate, month, kind,
    route, organisation, service, staff[, weight]); organisations: tuples (id, type,
    sector, staff, services), default one acute trust.
    """
    dates = monthly_dates() if dates is None else dates
    replicates = next(iter(series.values())).shape[0]
    merged = {**ROOT_ATTRS, "seed": np.uint64(42),
              "replicates": np.uint32(replicates), "scale": 0.01,
              **(attrs or {})}
    with h5py.File(path, "w") as h5:
        for key, value in merged.items():
            if value is not None:
                h5.attrs[key] = value
        h5.create_dataset("time/date",
                          data=np.array(dates, dtype=f"S{len(dates[0])}"))
        for name, values in series.items():
            values = np.asarray(values, dtype=np.float64)
            assert values.shape == (replicates, len(dates)), name
            ds = h5.create_dataset(f"series/{name}", data=values,
                                   chunks=(1, len(dates)), compression=4,
                                   shuffle=True)
            ds.attrs["unit"] = "synthetic"
            ds.attrs["description"] = f"synthetic {name}"
        events = list(events)
        weighted = bool(events) and len(events[0]) == len(WEIGHTED_EVENT_DTYPE)
        h5.create_dataset("events", data=np.array(
            events, dtype=WEIGHTED_EVENT_DTYPE if weighted else EVENT_DTYPE))
        orgs = organisations or [(0, "acute_trust", "nhs", 5000.0, 12)]
        h5.create_dataset("organisations",
                          data=np.array(orgs, dtype=ORGANISATION_DTYPE))
    return path


def plausible_file(path, routes=("tcs", "rtp", "psm"), replicates=8,
                   uplift=1.0, seed=1):
    """A whole run with every OUTPUT.md series for ``routes`` and spin-out
    events: staff in mutuals grows to about ``uplift`` * 3% of employment,
    TCS spin-outs are large and others small."""
    rng = np.random.default_rng(seed)
    dates = monthly_dates()
    shape = (replicates, len(dates))
    ramp = np.linspace(0, 1, len(dates)) * rng.uniform(0.8, 1.2,
                                                       (replicates, 1))
    employment = np.tile(np.linspace(6.26e6, 5.36e6, len(dates)), (replicates, 1))
    staff = uplift * 0.03 * employment * ramp
    counts = np.floor(60 * ramp)
    series = {
        "staff_total": np.full(shape, 6.26e6),
        "public_sector_employment": employment,
        "staff_in_mutuals": staff,
        "staff_in_mutuals_nhs": 0.6 * staff,
        "share_in_mutuals": staff / employment,
        "mutuals_active": counts, "mutuals_active_nhs": 0.9 * counts,
        "mutuals_serving_nhs": 0.95 * counts,
        "spinouts_cumulative": counts, "proposals_cumulative": 2 * counts,
        "proposals_exploring": 0.5 * counts,
        "proposals_in_progress": 0.2 * counts,
        "abandoned_cumulative": 0.3 * counts,
        "mutual_failures_cumulative": 0.05 * counts,
        "contracts_retendered": np.zeros(shape),
        "contracts_lost_by_mutuals": np.zeros(shape),
        "mean_attitude": np.zeros(shape), "support_share": np.zeros(shape),
        "wait_and_see_signal": np.zeros(shape),
        "fund_spent_gbp": 1e4 * counts,
        "wait_and_see_uncertainty": 1 - 0.5 * ramp,
        "information_level": np.where(ramp > 0.3, 1.0, 0.0),
        "fund_remaining_gbp": 1e7 - 1e4 * counts,
        "reserved_contracts_open": np.zeros(shape),
        "mutuals_on_reserved_contracts": np.zeros(shape),
    }
    for org_type in ("pct_provider", "acute_trust"):
        series[f"contract_security_{org_type}"] = np.full(shape, 0.4)
        series[f"procurement_uncertainty_{org_type}"] = np.full(shape, 0.3)
    for route in routes:
        for stem in ("spinouts_{}_cumulative", "proposals_{}_cumulative",
                     "proposals_{}_exploring", "proposals_{}_in_progress",
                     "abandoned_{}_cumulative", "proposals_{}_open",
                     "spinouts_{}_whole_cumulative"):
            series[stem.format(route)] = counts / len(routes)
        series[f"spinouts_{route}_whole_share"] = np.full(shape, 0.5)
    # TCS spin-outs large, others small; each after a proposal of its unit.
    events = []
    for r in range(replicates):
        for route in routes:
            for m in rng.integers(1, len(dates), 5):
                staff = float(rng.uniform(200, 900) if route == "tcs"
                              else rng.uniform(10, 60))
                for kind, month in (("proposal", m - 1), ("spinout", m)):
                    events.append((r, int(month), kind, route, 0, int(m),
                                   staff, 1.0))
    events.sort(key=lambda e: (e[0], e[1]))
    return make_file(path, series, dates=dates, events=events,
                     attrs={"routes": ",".join(routes)})
