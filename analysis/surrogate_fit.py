"""The answer's surrogate, refitted on a finished answer folder.

    /usr/bin/python3 analysis/surrogate_fit.py scenarios/answer/answer.yaml DIR

DIR is the output folder of `analysis/answer.py` (its
`posterior-dev.h5` or --posterior file and `discovery-*.h5`). Rebuilds the
hypercube from the settings' seed, reads each point's target-month share,
and prints the surrogate's 5-fold out-of-sample R^2 (levers alone, and
with each point's posterior parameters), how far the nearest point lies
from the baseline, and the greedy path of each
surrogate with its predicted shares. No model runs: this reads files only,
so it shows what the surrogate makes of a hypercube without the 50 minutes
of `make answer` (docs/ANSWER.md).
"""

import argparse
import sys
from pathlib import Path

import numpy as np
from scipy.stats import qmc

from mutsim_analysis import answer, answer_config, ensemble


def hypercube(settings, levers, posterior, folder):
    """The discovery step's points as run_discovery made them."""
    cfg = settings["discovery"]
    n = int(cfg["samples"])
    units = qmc.LatinHypercube(d=len(levers), seed=cfg["seed"]).random(n)
    particles = posterior.draws(n, cfg["seed"])
    parts = [ensemble.read_sweep(f)
             for f in answer.chunk_files(folder, "discovery", n)]
    share = np.concatenate([p.series[answer.SHARE][:, 0, :] for p in parts])
    return {"values": answer.scale_units(levers, units),
            "parameters": posterior.particles[particles],
            "share_target": ensemble.at_month(share, parts[0].dates,
                                              settings["target_month"])}


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config")
    parser.add_argument("folder")
    parser.add_argument("--posterior", help="the answer's --posterior file")
    args = parser.parse_args(argv)
    settings = answer_config.load(args.config)
    levers, cfg = settings["levers"], settings["discovery"]
    folder = Path(args.folder)
    posterior = answer.Posterior(args.posterior
                                 or folder / "posterior-dev.h5")
    lhs = hypercube(settings, levers, posterior, folder)
    fit = answer.surrogate_fit(levers, lhs, cfg["seed"])
    print("out-of-sample R^2:", ", ".join(f"{k} {v:.3f}"
                                          for k, v in fit.items()))
    units = np.column_stack([[lever.unit(v) for v in lhs["values"][:, j]]
                             for j, lever in enumerate(levers)])
    baseline = np.array([lever.unit(lever.baseline) for lever in levers])
    print("nearest point to the baseline (unit cube, largest coordinate):"
          f" {np.abs(units - baseline).max(axis=1).min():.2f}")
    levers_only = {k: v for k, v in lhs.items() if k != "parameters"}
    for label, points in (("levers alone", levers_only),
                          ("levers and parameters", lhs)):
        steps = answer.surrogate_path(levers, points, 1 / 6, cfg["seed"],
                                      cfg["min_gain"], cfg["surrogate_draws"])
        print(f"path on {label}:")
        for s in steps:
            name = "baseline" if s["moved"] is None else levers[
                s["moved"]].name
            print(f"  {name:<32} predicted {100 * s['predicted']:.2f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
