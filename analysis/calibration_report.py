#!/usr/bin/python3
"""Write docs/CALIBRATION.md from the HDF5 files of `mutsim calibrate` and
`mutsim sensitivity` (run by `make calibration-report`).

    /usr/bin/python3 analysis/calibration_report.py results/calib.h5 \
        results/sensitivity.h5 -o docs/CALIBRATION.md

Everything in the document comes from the two files and the timings passed
on the command line; nothing is typed by hand, so re-running the target
refreshes it. Quantiles over particles are weighted the way the C++ fit
table computes them: the smallest value whose normalised cumulative weight
reaches q.
"""

import argparse
import sys
from pathlib import Path

import numpy as np

from mutsim_analysis import FormatError
from mutsim_analysis.calibration import read_calibration, read_sensitivity
from mutsim_analysis.reader import require_attr
from mutsim_analysis.stats import comparison_symbol, matches, weighted_quantile

# Why a target can be missed, per pattern: used only for targets the
# calibrated model does not reach (judgement of the model's structure, see
# docs/ODD.md sections 7.3 and 8).
WHY_MISSED = {
    "P1": "TCS spin-outs come from the 150 PCT provider arms, launched "
          "through 2011, so the count is bounded by how many arms propose "
          "and finish in time.",
    "P2a": "Right to Provide proposals are unit-level and rare, so the count "
           "varies widely between runs (below scale 1 each sampled proposal "
           "counts its organisation's weight, so it also moves in steps).",
    "P2b": "Proposals in progress in November 2012 are a stock of a few "
           "units, so one run's value is mostly noise.",
    "P3": "Two abandonments in five months is a rare-event count, and the "
          "posterior prefers few abandonments (a low abandon_logit also keeps "
          "proposals alive for P2 and P5), so most runs give 0 or 1.",
    "P4": "The ratio needs at least one Right to Provide spin-out by December "
          "2012 in the run; many runs have none (the ratio is then undefined "
          "and costs undefined_penalty tolerances in the distance).",
    "S1": "The support share covers every sector, the survey only civil "
          "servants; the attitude baseline that sets it also drives entry, so "
          "S1 trades off against the pipeline targets.",
    "P5": "Active NHS mutuals in October 2013 are mostly the TCS cohort less "
          "failures plus the few Right to Provide spin-outs; P1 and P5 pull "
          "the TCS parameters in the same direction, so they trade off only "
          "through failures and the RtP pipeline.",
}


def fmt(x):
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return "n/a"
    x = float(x)
    if x != 0 and (abs(x) < 1e-3 or abs(x) >= 1e6):
        return f"{x:.3e}"
    return f"{x:.4g}"


def table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def override_value(overrides, key, default=None):
    """The value a `key=value` fixed override sets, or default."""
    for line in overrides:
        name, _, value = line.partition("=")
        if name.strip() == key:
            return value.strip()
    return default


def within(comparison, observed, tolerance, value):
    """One simulated value against a target (stats.matches; NaN never agrees)."""
    return bool(matches(value, comparison, observed, tolerance))


def _fit_rows(cal):
    """Per target: the fit table's row, and the row of the misses list if missed."""
    t_ = cal.targets
    fit_rows, missed = [], []
    for t, target in enumerate(t_["ids"]):
        values, weights = cal.simulated[:, t], cal.weights
        comparison, observed, tolerance = (t_["comparison"][t], t_["observed"][t],
                                           t_["tolerance"][t])
        defined = int((~np.isnan(values)).sum())
        median = weighted_quantile(values, weights, 0.5)
        lo = weighted_quantile(values, weights, 0.05)
        hi = weighted_quantile(values, weights, 0.95)
        ok = within(comparison, observed, tolerance, median)
        hits = matches(values, comparison, observed, tolerance)
        share = float(np.sum(weights[hits]) / np.sum(weights))
        sign = comparison_symbol(comparison)
        note = "" if defined == len(values) else f" ({defined} of {len(values)} defined)"
        fit_rows.append([target, t_["quantity"][t], f"{sign} {fmt(observed)}", fmt(tolerance),
                         fmt(median), f"{fmt(lo)} to {fmt(hi)}{note}",
                         f"{100 * share:.0f}%", "yes" if ok else "**no**"])
        edge = ok and sign == "==" and abs(median - observed) >= 0.9 * tolerance
        if not ok or share < 0.5 or edge:
            missed.append((target, t_["quantity"][t], sign, observed, tolerance, median, lo,
                           hi, defined, len(values), ok, share, edge))
    return fit_rows, missed


def _posterior_rows(cal, best):
    """Posterior summary per parameter, and the point estimate (particle ``best``)."""
    p = cal.parameters
    post_rows, best_rows, weak = [], [], []
    for k, name in enumerate(p["names"]):
        col = cal.particles[:, k]
        median = weighted_quantile(col, cal.weights, 0.5)
        q05 = weighted_quantile(col, cal.weights, 0.05)
        q95 = weighted_quantile(col, cal.weights, 0.95)
        ratio = (q95 - q05) / (p["upper"][k] - p["lower"][k])
        if ratio > 0.75:
            weak.append(name)
        post_rows.append([f"`{name}`", fmt(median), f"{fmt(q05)} to {fmt(q95)}",
                          f"{fmt(p['lower'][k])} to {fmt(p['upper'][k])}", f"{ratio:.2f}",
                          p["source"][k]])
        value = cal.particles[best, k]
        best_rows.append([f"`{name}`", f"{value:.4g}", fmt(median),
                          "yes" if q05 <= value <= q95 else "no"])
    return post_rows, best_rows, weak


def calibration_sections(path):
    cal = read_calibration(path)
    gens = cal.generations

    def a(name):
        return require_attr(cal.path, cal.attrs, name)

    info = {
        "method": str(cal.attrs.get("method", "")),
        "seed": int(a("seed")),
        "evaluations": int(a("evaluations")),
        "stop_reason": str(cal.attrs.get("stop_reason", "")),
        "particles": cal.particles.shape[0],
        "generations": len(gens["epsilon"]),
        "replicates": int(a("replicates_per_evaluation")),
        "fixed_overrides": str(cal.attrs.get("fixed_overrides", "")).splitlines(),
        "penalty": float(a("undefined_penalty")),
    }
    fit_rows, missed = _fit_rows(cal)
    # The baseline's point estimate: the accepted particle nearest the
    # observations (an approximate posterior mode), at 4 significant digits,
    # the precision scenarios/baseline.yaml carries.
    best = int(np.argmin(cal.distances))
    post_rows, best_rows, weak = _posterior_rows(cal, best)
    ids = cal.targets["ids"]
    best_fit = [[ids[t], fmt(cal.simulated[best, t])] for t in range(len(ids))]
    gen_rows = []
    for g in range(len(gens["epsilon"])):
        acc, ev = int(gens["accepted"][g]), int(gens["evaluated"][g])
        gen_rows.append([g, fmt(gens["epsilon"][g]), acc, ev, f"{100 * acc / ev:.1f}%",
                         fmt(gens["ess"][g])])
    source_rows = [[ids[t], cal.targets["source"][t]] for t in range(len(ids))]
    return dict(info=info, fit=fit_rows, posterior=post_rows, generations=gen_rows, weak=weak,
                missed=missed, best=best_rows, best_fit=best_fit,
                best_distance=cal.distances[best],
                sources=source_rows, median_distance=np.median(cal.distances))


def sensitivity_sections(path):
    sens = read_sensitivity(path)
    names = sens.parameters["names"]
    lower, upper = sens.parameters["lower"], sens.parameters["upper"]
    mu_star, mu, sigma, rank = sens.mu_star, sens.mu, sens.sigma, sens.rank

    def a(name):
        return require_attr(sens.path, sens.attrs, name)

    info = {
        "trajectories": int(a("trajectories")),
        "levels": int(a("levels")),
        "delta": float(a("delta")),
        "candidates": int(a("candidate_trajectories")),
        "points": sens.points,
        "seed": int(a("seed")),
        "fixed_overrides": str(sens.attrs.get("fixed_overrides", "")).splitlines(),
    }
    tables = []
    for o, output in enumerate(sens.outputs["names"]):
        order = np.argsort(rank[:, o], kind="stable")
        rows = []
        for k in order:
            ratio = sigma[k, o] / mu_star[k, o] if mu_star[k, o] > 0 else np.nan
            rows.append([int(rank[k, o]), f"`{names[k]}`", f"{fmt(lower[k])} to {fmt(upper[k])}",
                         fmt(mu_star[k, o]), fmt(mu[k, o]), fmt(sigma[k, o]), fmt(ratio)])
        tables.append((output, sens.outputs["quantity"][o], rows))
    # Combined ranking: mean rank over the outputs.
    mean_rank = rank.mean(axis=1)
    combined = [[i + 1, f"`{names[k]}`", " / ".join(str(int(r)) for r in rank[k])]
                for i, k in enumerate(np.argsort(mean_rank, kind="stable"))]
    return dict(info=info, tables=tables, combined=combined, outputs=sens.outputs["names"])


def minutes(seconds):
    return f"{seconds / 60:.1f} min ({seconds:.0f} s)"


def _intro(args):
    """The title, what made the document, and the commands with their cost."""
    lines = []
    add = lines.append
    add("# Calibration and sensitivity analysis")
    add("")
    add("<!-- Generated by `make calibration-report` (analysis/calibration_report.py) "
        "from results/calib.h5 and results/sensitivity.h5. Do not edit by hand. -->")
    add("")
    add("This document is produced by a command, not typed: `make calibration-report` runs "
        "`mutsim calibrate` and `mutsim sensitivity` with the settings of "
        "`scenarios/calibration.yaml` and `scenarios/sensitivity.yaml`, then this script "
        "reads their HDF5 files. The observed targets are BRIEF.md's patterns P1-P5 (and "
        "any further facts the file lists, such as the 2012 staff survey S1), held "
        "as data in `scenarios/calibration.yaml` with the definitions of "
        "`analysis/mutsim_analysis/stats.py` (docs/ANALYSIS.md).")
    add("")
    add("## Commands and their cost")
    add("")
    add("```sh")
    add("make calibration-report            # both runs, then this document")
    add(f"mutsim calibrate scenarios/calibration.yaml -o {args.results}/calib.h5 "
        f"--threads {args.threads}")
    add(f"mutsim sensitivity scenarios/sensitivity.yaml -o {args.results}/sensitivity.h5 "
        f"--table {args.results}/sensitivity.md --threads {args.threads}")
    add(f"/usr/bin/python3 analysis/calibration_report.py {args.results}/calib.h5 "
        f"{args.results}/sensitivity.h5 -o docs/CALIBRATION.md")
    add("```")
    add("")
    if args.calibrate_seconds is not None:
        total = args.calibrate_seconds + args.sensitivity_seconds
        cpu = ""
        if args.calibrate_cpu_seconds is not None:
            cpu = (f" CPU time (user + system): calibration {args.calibrate_cpu_seconds:.0f} s"
                   + (f", sensitivity {args.sensitivity_cpu_seconds:.0f} s"
                      if args.sensitivity_cpu_seconds is not None else "")
                   + "; on an idle 2-core machine the wall time is about half the CPU time.")
        add(f"Measured wall time on {args.threads} threads: calibration "
            f"{minutes(args.calibrate_seconds)}, sensitivity {minutes(args.sensitivity_seconds)}, "
            f"together {minutes(total)}. Other work on the machine slows the wall time; "
            f"the load average (1, 5, 15 min) was {args.load} before / after. "
            f"Both commands accept `--threads N` (default: all cores); the accepted particles "
            f"and the design do not depend on it.{cpu}")
        add("")
    return lines


def _calibration_method(ci):
    """How the calibration works: method, distance, settings, overrides."""
    lines = []
    add = lines.append
    add("## Calibration")
    add("")
    if ci["method"] == "abc-rejection":
        add("**Method**: abc-rejection (approximate Bayesian computation by rejection): "
            "`candidates` parameter sets drawn from the uniform priors are evaluated and the "
            "`particles` closest to the observations are kept, with equal weights; epsilon "
            "is the largest distance kept.")
    else:
        add(f"**Method**: {ci['method']} (approximate Bayesian computation by sequential "
            "Monte Carlo; Toni et al. 2009, with the adaptive kernel of Beaumont et al. "
            "2009). Generation 0 draws from the uniform priors; each later generation's "
            "tolerance epsilon is the `quantile` of the previous generation's distances; "
            "candidates are previous particles drawn by weight and perturbed by a Gaussian "
            "kernel with twice the particles' weighted variance (per parameter), redrawn if "
            "outside the prior; weights are prior / sum_j w_j K(theta | theta_j). It stops "
            "at `generations`, once epsilon reaches `min_epsilon`, once a generation "
            "shrinks epsilon by less than the fraction `min_epsilon_shrink` of the one "
            "before (no earlier than `min_generations` generations), or when a generation "
            "needs more than `max_evaluations_per_generation` candidates (the previous "
            "generation is then the result).")
    add("")
    add("**Distance** between one model evaluation and the observations: "
        "`sqrt(mean over targets of d^2)`, with `d = (simulated - observed) / tolerance`, "
        "or for an \"at least\" target `d = max(0, observed - simulated) / tolerance`; a "
        f"quantity the run leaves undefined (P4 without RtP spin-outs) counts "
        f"d = {fmt(ci['penalty'])}. A distance of 1 means the targets are off by one "
        "tolerance on average.")
    add("")
    add(f"**Settings**: {ci['particles']} particles, {ci['generations']} generations "
        f"completed, {ci['evaluations']} model evaluations, {ci['replicates']} replicate(s) "
        f"per evaluation, seed {ci['seed']}. Stopped: {ci['stop_reason']}. Each evaluation "
        "runs the baseline scenario with the fixed overrides below; each candidate's "
        "parameters and model seed come from Stream(seed, generation, 0, candidate), and "
        "candidates are evaluated in parallel (threads, MPI ranks) and accepted in index "
        "order in fixed-size batches, so the result is the same for any thread or rank "
        "count, and after a resume.")
    add("")
    add("Fixed overrides, applied to the base scenario before the free parameters:")
    add("")
    add("```")
    lines.extend(ci["fixed_overrides"])
    add("```")
    add("")
    return lines


def _calibration_results(cal):
    """Generations, the fit, the posterior and the point estimate."""
    lines = []
    add = lines.append
    add("### Generations")
    add("")
    add(table(["generation", "epsilon", "accepted", "evaluated", "acceptance", "ESS"],
              cal["generations"]))
    add("")
    add("### Fit to the observed targets")
    add("")
    add("Simulated values of the final generation's particles (each particle's own run; "
        "weighted median and 5%-95% interval). *Within* compares the simulated median with "
        "the observation as docs/ANALYSIS.md does: `|median - observed| <= tolerance`, or "
        "`median >= observed - tolerance` for \"at least\"; *particles within* is the "
        "weighted share of particles whose own run meets that rule. The tolerances are working "
        "choices (docs/ANALYSIS.md), except P1 and P4, which need a positive tolerance here "
        "because the distance divides by it.")
    add("")
    add(table(["target", "quantity", "observed", "tolerance", "simulated median",
               "90% interval", "particles within", "within"], cal["fit"]))
    add("")
    add(f"Distance of the particles: median {fmt(cal['median_distance'])}, best "
        f"{fmt(cal['best_distance'])}.")
    add("")
    add("### Posterior")
    add("")
    add(table(["parameter", "posterior median", "90% interval", "prior range",
               "interval / prior", "source of the prior range"], cal["posterior"]))
    add("")
    add("*interval / prior* is the width of the 90% interval over the width of the prior "
        "range: near 0.9 the targets say little about the parameter.")
    if cal["weak"]:
        add("")
        add("The targets barely constrain " + ", ".join(f"`{w}`" for w in cal["weak"]) +
            " (90% interval wider than three quarters of the prior range): at this "
            "calibration's size they are weakly identified by P1-P5, or traded off against "
            "each other (for example TCS entry against whole-organisation entry, which both "
            "raise P1 and P5).")
    add("")
    add("### Point estimate carried by the baseline")
    add("")
    add(f"`scenarios/baseline.yaml` carries the accepted particle with the smallest distance "
        f"({fmt(cal['best_distance'])}), an approximate posterior mode, rather than the "
        "per-parameter posterior medians: where parameters trade off against each other the "
        "medians of the marginals need not be a point the posterior favours. Check it with "
        "`make run`, which prints the baseline's fit to P1-P5 over its replicates.")
    add("")
    add(table(["parameter", "value (baseline)", "posterior median", "in the 90% interval"],
              cal["best"]))
    add("")
    add("Its own calibration run (one replicate): " +
        ", ".join(f"{t} {v}" for t, v in cal["best_fit"]) + ".")
    add("")
    return lines


def _calibration_misses(cal, ci):
    """The targets not reached and why, and the limits of every row."""
    lines = []
    add = lines.append
    add("### Targets not reached, and why")
    add("")
    if not cal["missed"]:
        add("Every target's simulated median is within its tolerance of the observation, "
            "and at least half of the particles' own runs meet each target.")
    else:
        add("Targets whose simulated median misses the tolerance band (**not reached**), "
            "that the median meets but fewer than half of the particles' own runs do "
            "(**weakly met**), or whose median sits at the edge of the band (**at the "
            "edge**, within 10% of the tolerance from its limit):")
        add("")
        for (tid, quantity, sign, obs, tol, median, lo, hi, defined, n, ok, share,
             edge) in cal["missed"]:
            reason = WHY_MISSED.get(tid, "")
            undefined = (f" It is defined in only {defined} of {n} particles' runs."
                         if defined < n else "")
            verdict = ("not reached" if not ok else "weakly met" if share < 0.5
                       else "at the edge")
            add(f"- **{tid}, {verdict}** ({quantity}): observed {sign} {fmt(obs)} (tolerance "
                f"{fmt(tol)}), simulated median {fmt(median)} (90% {fmt(lo)} to {fmt(hi)}); "
                f"{100 * share:.0f}% of particles within.{undefined} {reason}")
    add("")
    add("Limits that apply to every row:")
    add("")
    scale = float(override_value(ci["fixed_overrides"], "population.scale", "1"))
    shrunk = any(".staff_total=" in line for line in ci["fixed_overrides"])
    if scale < 1 or shrunk:
        add(f"- The calibration runs a reduced model (`population.scale={fmt(scale)}`"
            + (", some sectors shrunk" if shrunk else "") + "). A sample's "
            "estimates are unbiased but noisier (docs/ODD.md section 8), so "
            "the posterior is that of the noisier model; before the baseline adopts it, "
            "check the fit at scale 1 (`mutsim run` with the posterior median and "
            "`make report`).")
    else:
        add("- The calibration runs the baseline's whole population at scale 1, as `make "
            "run` does, stopping at the last target date: the posterior applies to the "
            "baseline as it is run, and results at other scales differ (docs/ODD.md "
            "section 8).")
    add("- One replicate per evaluation: each particle's simulated values include the "
        "model's own noise, and ABC conditions on them being close to the observations, so "
        "the fit table shows the posterior's runs, not a fresh posterior-predictive check.")
    add(f"- {ci['particles']} particles and {ci['generations']} generations are few for 7 "
        "parameters: the intervals are rough and epsilon is still well above zero. Raise "
        "`particles`, `generations` and `max_evaluations_per_generation` for a production "
        "calibration (cost grows about linearly with particles).")
    add("- The targets are counts from press reports with working tolerances; P2b and P3 "
        "are single-digit counts that one replicate cannot match closely.")
    add("")
    add("### Sources of the targets")
    add("")
    add(table(["target", "source"], cal["sources"]))
    add("")
    return lines


def _sensitivity(sens, si):
    """Morris screening: one table per output and the combined ranking."""
    lines = []
    add = lines.append
    add("## Sensitivity analysis (Morris screening)")
    add("")
    add(f"Morris elementary effects (Morris 1991): {si['trajectories']} trajectories, chosen "
        f"as the most spread out of {si['candidates']} drawn (Campolongo et al. 2007, greedy "
        f"selection), on a {si['levels']}-level grid, Delta = {fmt(si['delta'])} of each "
        f"parameter's range; {si['points']} model evaluations, seed {si['seed']}. Elementary "
        "effects are the change in the output per unit of the scaled range, so mu* "
        "(mean absolute effect) compares across parameters; mu is the signed mean and sigma "
        "the spread (large sigma / mu*: non-linear or interacting, or the model's noise). "
        "All points of a trajectory share one model seed (common random numbers). The runs "
        "cover the whole public sector to the target date with these fixed overrides:")
    add("")
    add("```")
    lines.extend(si["fixed_overrides"] or ["(none)"])
    add("```")
    add("")
    for output, quantity, rows in sens["tables"]:
        add(f"### {output}: {quantity}")
        add("")
        add(table(["rank", "parameter", "range", "mu*", "mu", "sigma", "sigma / mu*"], rows))
        add("")
    nonlinear = sorted({row[1] for _, _, rows in sens["tables"] for row in rows
                        if row[6] != "n/a" and float(row[6]) > 1})
    if nonlinear:
        add(f"{len(nonlinear)} of {len(sens['combined'])} parameters have sigma / mu* above 1 "
            "for at least one output: their effect depends strongly on where the other "
            "parameters are (the quorum and champion thresholds make spin-outs take off only "
            "when attitudes are high enough), so the ranking is a screening, not a "
            "decomposition of variance.")
        add("")
    add("### Combined ranking")
    add("")
    add("By mean rank over the outputs (ranks per output in the order " +
        ", ".join(sens["outputs"]) + "):")
    add("")
    add(table(["", "parameter", "ranks"], sens["combined"]))
    add("")
    add("With one replicate per point, sigma includes the model's noise: a parameter whose "
        "mu* is below about sigma / sqrt(r) is not distinguishable from zero at this design "
        "size; raise `trajectories` or `replicates` in `scenarios/sensitivity.yaml` to "
        "separate the lower ranks.")
    add("")
    return lines


def _running():
    """Threads, MPI, checkpoints, resume and exit statuses (static text)."""
    lines = []
    add = lines.append
    add("## Running: threads, MPI, checkpoints and resume")
    add("")
    add("**Scheduling.** Rank 0 hands out evaluations (candidate or design point indices) "
        "one at a time to whichever slot is free: its own TBB workers and, under `mpirun`, "
        "every other rank's (`--threads` workers per rank; default: the cores of the machine "
        "shared among its ranks). A candidate's parameters and model seed depend only on its "
        "generation and index, and results are used by index: ABC-SMC accepts them batch by "
        "batch (`batch_size`) in index order, and a generation ends with the batch in which "
        "the N-th particle is accepted. Slots that work ahead of that batch are discarded, so "
        "output files are byte-identical for any thread count, any number of MPI ranks, and "
        "after a resume. Under MPI rank 0 writes the checkpoint and the output; the other "
        "ranks only evaluate (docs/CLUSTER.md has a Slurm example).")
    add("")
    add("**Checkpoint.** Beside the output `OUT`, `OUT.checkpoint` is rewritten whole "
        "(temporary file, `fsync`, rename: `sim/util/atomic_file`) after every ABC generation "
        "and after every `batch_size` further results (of the ABC generation in progress, or "
        "of Morris design points), so a run killed at any moment, `kill -9` included, loses "
        "at most the evaluations in flight and one batch. `OUT.checkpoint.lock` (an exclusive "
        "`flock`) keeps two runs from writing one checkpoint. When the output is written, "
        "both are removed.")
    add("")
    add("**Resume.** Running the same command again resumes from the checkpoint: completed "
        "generations are kept, candidates already evaluated are not run again, and the "
        "output is byte-identical to an uninterrupted run's. A run started alone can be "
        "resumed under `mpirun`, and the reverse. *The same command* means the same "
        "configuration fingerprint: FNV-1a over the mutsim build (version, git commit, "
        "library versions), the config file (its path as given and its text) and the base "
        "scenario (path and text). A checkpoint of another fingerprint is refused (exit 2) "
        "with both fingerprints in the message; `--fresh` discards it.")
    add("")
    add("**Finished jobs.** If `OUT` exists and was written by the same configuration "
        "(its `config_fingerprint` attribute), the command says it is complete and exits 0 "
        "without running anything, so a resubmitted batch job does not fail; an `OUT` of "
        "another configuration, or a file that is not such an output, is refused with exit "
        "2 unless `--force`.")
    add("")
    add("**Exit statuses** (`calibrate`, `sensitivity`): 0 done, or already complete; 1 "
        "an output or runtime failure (the checkpoint is kept); 2 bad input (config file, "
        "base scenario, command line), an existing output or checkpoint of another "
        "configuration; 128 + signal when stopped by SIGINT or SIGTERM (130, 143), the "
        "checkpoint kept. Under MPI every rank exits with the same status.")
    add("")
    return lines + _checkpoint_layout()


def _checkpoint_layout():
    """The checkpoint file's layout."""
    lines = []
    add = lines.append
    add("`OUT.checkpoint` (format `mutsim-calibration-checkpoint` or "
        "`mutsim-sensitivity-checkpoint`; root attribute `config_fingerprint`):")
    add("")
    add(table(["path", "shape", "meaning"], [
        ["root attributes `finished`, `stop_reason`, `evaluations`, `generations`", "",
         "calibration: whether the run is over, why, evaluations of the completed "
         "generations, G"],
        ["`/generations/NNNN/particles`, `distances`, `weights`, `simulated`, `seeds` "
         "(attributes `epsilon`, `evaluated`, `accepted`, `ess`)", "[N, ...]",
         "calibration: each completed generation, exactly as in the output"],
        ["`/progress/indices`", "[n]",
         "candidates of the generation in progress (sensitivity: design points) evaluated"],
        ["`/progress/values`", "[n, 1 + S] or [n, O]",
         "their results: distance and simulated targets; or the O outputs"],
    ]))
    add("")
    return lines


def _file_layouts():
    """The two files' layouts."""
    lines = []
    add = lines.append
    add("## File layouts")
    add("")
    add("Both files are written through a temporary file renamed when complete, without "
        "object modification times, every dataset with HDF5's Fletcher32 checksum. Root "
        "attributes: `format` (`mutsim-calibration` or "
        "`mutsim-sensitivity`), `format_version` (`1.2`), `config_fingerprint` (see "
        "*Resume* above), `mutsim_version`, `git_commit`, "
        "`library_versions`, `config_path`, `calibration_yaml` or `sensitivity_yaml` (the "
        "YAML text), `base_scenario_path`, `base_scenario_yaml`, `fixed_overrides` (one per "
        "line), `seed`, `replicates_per_evaluation`, `batch_size`, `method`.")
    add("")
    add("`calib.h5` (N particles, K parameters, S targets, G generations):")
    add("")
    add(table(["path", "shape", "meaning"], [
        ["`/parameters/names`, `lower`, `upper`, `integer`, `source`", "[K]",
         "free parameters (scenario key paths) and their uniform prior ranges"],
        ["`/targets/ids`, `quantity`, `comparison`, `observed`, `tolerance`, `source`", "[S]",
         "the observed targets"],
        ["`/particles`", "[N, K]", "accepted parameter sets of the final generation"],
        ["`/distances`", "[N]", "their distances"],
        ["`/weights`", "[N]", "their importance weights (sum 1)"],
        ["`/simulated`", "[N, S]", "their simulated target values (NaN: undefined)"],
        ["`/seeds`", "[N]", "model seed of each particle's run (`mutsim run --seed`)"],
        ["`/generations/epsilon`, `accepted`, `evaluated`, `ess`", "[G]",
         "per generation: tolerance, particles, model evaluations, effective sample size"],
        ["`/generations/particles`, `distances`, `weights`, `simulated`, `seeds`",
         "[G, N, ...]", "every generation's population"],
    ]) + "\n\nRoot attributes also hold `stop_reason`, `evaluations`, `undefined_penalty` "
        "and `distance` (the formula).")
    add("")
    add("`sensitivity.h5` (M = r (K + 1) design points, O outputs):")
    add("")
    add(table(["path", "shape", "meaning"], [
        ["`/parameters/...`", "[K]", "as above"],
        ["`/outputs/names`, `quantity`", "[O]", "the outputs"],
        ["`/design/points`", "[M, K]", "design points in parameter units"],
        ["`/design/unit`", "[M, K]", "the same in the unit cube"],
        ["`/design/trajectory`, `seeds`", "[M]", "trajectory and model seed of each point"],
        ["`/design/changed`", "[r K]", "factor changed at each step of each trajectory"],
        ["`/outputs/values`", "[M, O]", "model outputs at each point"],
        ["`/morris/mu_star`, `mu`, `sigma`, `rank`", "[K, O]",
         "Morris measures; rank 1 = largest mu*"],
        ["`/morris/elementary_effects`", "[r, K, O]", "every elementary effect"],
    ]) + "\n\nRoot attributes also hold `trajectories`, `levels`, `delta` and "
        "`candidate_trajectories`.")
    add("")
    return lines


def _references():
    """The methods' references."""
    lines = []
    add = lines.append
    add("## References")
    add("")
    add("- Beaumont, Cornuet, Marin and Robert (2009). Adaptive approximate Bayesian "
        "computation. *Biometrika* 96(4), 983-990.")
    add("- Campolongo, Cariboni and Saltelli (2007). An effective screening design for "
        "sensitivity analysis of large models. *Environmental Modelling & Software* 22, "
        "1509-1518.")
    add("- Morris (1991). Factorial sampling plans for preliminary computational "
        "experiments. *Technometrics* 33(2), 161-174.")
    add("- Toni, Welch, Strelkowa, Ipsen and Stumpf (2009). Approximate Bayesian computation "
        "scheme for parameter inference and model selection in dynamical systems. "
        "*J. R. Soc. Interface* 6, 187-202.")
    add("")
    return lines


def render(cal, sens, args):
    ci, si = cal["info"], sens["info"]
    lines = (_intro(args) + _calibration_method(ci) + _calibration_results(cal)
             + _calibration_misses(cal, ci) + _sensitivity(sens, si) + _running()
             + _file_layouts()
             + _references())
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("calibration", help="calib.h5 from mutsim calibrate")
    p.add_argument("sensitivity", help="sensitivity.h5 from mutsim sensitivity")
    p.add_argument("-o", "--output", default="docs/CALIBRATION.md")
    p.add_argument("--threads", default="2")
    p.add_argument("--calibrate-seconds", type=float)
    p.add_argument("--sensitivity-seconds", type=float)
    p.add_argument("--calibrate-cpu-seconds", type=float)
    p.add_argument("--sensitivity-cpu-seconds", type=float)
    p.add_argument("--load", default="unknown")
    p.add_argument("--results", default="results")
    args = p.parse_args(argv)
    try:
        text = render(calibration_sections(args.calibration),
                      sensitivity_sections(args.sensitivity), args)
    except FormatError as error:
        sys.exit(f"calibration_report: {error}")
    Path(args.output).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
