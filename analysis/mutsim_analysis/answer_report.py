"""The answer's report: ANSWER.md, its figures and answer.json, from the
results of mutsim_analysis.answer. Every number in the text is computed
here from those results; every figure names the file it was drawn from.
"""

import json

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def pct(x, digits=2):
    return f"{100 * x:.{digits}f}%"


def interval(lo, hi, fmt=pct):
    return f"{fmt(lo)} to {fmt(hi)}"


def md_table(headers, rows):
    lines = ["| " + " | ".join(headers) + " |",
             "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


# ---- figures ---------------------------------------------------------------

def save(fig, path):
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path.name


def fan_chart(res, out):
    fan = res["ensembles"]["fan"]
    dates = np.array(fan["dates"], dtype="datetime64[M]")
    worlds, means = np.array(fan["worlds"]), np.array(fan["draw_means"])
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.fill_between(dates, worlds[0], worlds[4], color="tab:blue", alpha=0.15,
                    label="90% of worlds (parameters and chance)")
    ax.fill_between(dates, means[0], means[4], color="tab:blue", alpha=0.35,
                    label="90% of draw means (parameters)")
    ax.plot(dates, worlds[2], color="tab:blue", label="median")
    ax.axhline(res["target_share"], color="tab:red", ls="--",
               label="one in six")
    ax.set_yscale("log")
    ax.set_ylabel("share of public-sector workers in mutuals")
    ax.legend(fontsize=8)
    return save(fig, out / "answer-fan.png")


def reach_chart(res, out):
    fig, ax = plt.subplots(figsize=(8, 4))
    for row in res["ensembles"]["scenarios"]:
        by = [r for r in row["by_year"] if r["by"] != "not by the end"]
        ax.plot([r["by"][:4] for r in by], [r["p"] for r in by], marker=".",
                label=row["scenario"])
    ax.set_ylim(-0.02, 1.02)
    ax.set_ylabel("P(one in six reached by the end of the year)")
    ax.legend(fontsize=6, ncol=2)
    return save(fig, out / "answer-reach.png")


def effects_chart(res, out):
    rows = [r for r in res["ensembles"]["scenarios"] if "effect" in r]
    fig, ax = plt.subplots(figsize=(8, 0.35 * len(rows) + 1))
    for i, row in enumerate(rows):
        e = row["effect"]
        ax.errorbar(100 * e["mean"], i, xerr=[[100 * (e["mean"]
                    - e["mean_low"])], [100 * (e["mean_high"] - e["mean"])]],
                    fmt="o", color="tab:blue")
        ax.plot([100 * e["q05"], 100 * e["q95"]], [i, i], color="tab:blue",
                alpha=0.3, lw=6)
    ax.set_yticks(range(len(rows)), [r["scenario"] for r in rows],
                  fontsize=7)
    ax.axvline(0, color="grey", lw=0.5)
    ax.set_xlabel("effect on the 2015 share (percentage points): mean with "
                  "90% interval; band: 90% of worlds")
    return save(fig, out / "answer-effects.png")


def sobol_chart(res, out):
    table = next(iter(res["sobol"]["tables"].values()))
    y = np.arange(len(table))
    fig, ax = plt.subplots(figsize=(8, 0.3 * len(table) + 1))
    for shift, col, label in ((-0.2, "S1", "first order"),
                              (0.2, "ST", "total")):
        err = np.abs(np.vstack([table[col] - table[f"{col}_low"],
                                table[f"{col}_high"] - table[col]]))
        ax.barh(y + shift, table[col], height=0.4, xerr=err, label=label)
    ax.set_yticks(y, table["parameter"], fontsize=7)
    ax.set_xlabel("Sobol index of the target-month share (95% bootstrap)")
    ax.legend(fontsize=8)
    return save(fig, out / "answer-sobol.png")


def prim_chart(res, out):
    fig, ax = plt.subplots(figsize=(6, 4))
    for label, box in res["boxes"].items():
        traj = box["result"].table()
        ax.plot(traj["coverage"], traj["density"], marker=".", label=label)
        if box["box"] is not None:
            ax.plot(box["box"].coverage, box["box"].density, "k*", ms=10)
    ax.set_xlabel("coverage")
    ax.set_ylabel("density")
    ax.legend(fontsize=8)
    return save(fig, out / "answer-prim.png")


# ---- text ------------------------------------------------------------------

def scenario_rows(res):
    rows = []
    for r in res["ensembles"]["scenarios"]:
        pt, pl, v = r["p_target"], r["p_late"], r["variance"]
        e = r.get("effect")
        rows.append([
            r["scenario"], pct(r["share_median"]),
            interval(r["share_q05"], r["share_q95"]),
            f"{pt['p']:.2f} ({pt['low']:.2f} to {pt['high']:.2f})",
            f"{pl['p']:.2f} ({pl['low']:.2f} to {pl['high']:.2f})",
            f"{v['parameter_share']:.0%}" if "parameter_share" in v else "-",
            (f"{100 * e['mean']:+.2f} ({100 * e['mean_low']:+.2f} to "
             f"{100 * e['mean_high']:+.2f})" if e else "-"),
            f"{e['p_at_least_margin']:.2f}" if e else "-"])
    return rows


def sobol_rows(table):
    return [[r.parameter, f"{r.S1:.3f} ({r.S1_low:.3f} to {r.S1_high:.3f})",
             f"{r.ST:.3f} ({r.ST_low:.3f} to {r.ST_high:.3f})"]
            for r in table.sort_values("ST", ascending=False).itertuples()]


def step_rows(res):
    levers = res["levers"]
    rows = []
    for i, s in enumerate(res["steps"]):
        moved = ("baseline" if s["moved"] is None else
                 levers[s["moved"]].describe(s["values"][s["moved"]]))
        rows.append([i, moved, pct(s["predicted"]), pct(s["median_target"]),
                     f"{100 * s['gain']:+.2f}", f"{s['p_target']:.2f}",
                     pct(s["median_late"]), f"{s['p_late']:.2f}"])
    return rows


def top_sobol(res, n=3):
    table = next(iter(res["sobol"]["tables"].values()))
    top = table.sort_values("ST", ascending=False).head(n)
    return ", ".join(f"{r.parameter} (ST {r.ST:.2f}, 95% {r.ST_low:.2f} to "
                     f"{r.ST_high:.2f})" for r in top.itertuples())


def plain_answer(res):
    ens = res["ensembles"]
    base = ens["scenarios"][0]
    settings = res["settings"]
    pt, pl = base["p_target"], base["p_late"]
    policies = [r for r in ens["scenarios"] if "effect" in r]
    best = max(policies, key=lambda r: r["effect"]["mean"]) if policies \
        else None
    reaching = [r["scenario"] for r in ens["scenarios"]
                if r["p_target"]["p"] >= 0.5]
    lines = [
        f"- **The baseline**: the share in mutuals at "
        f"{settings['target_month']} has median {pct(base['share_median'])} "
        f"(90% of worlds {interval(base['share_q05'], base['share_q95'])}) "
        f"against a target of {pct(res['target_share'])}. "
        f"P(share >= one in six at {settings['target_month']}) = "
        f"{pt['p']:.2f} (90% {pt['low']:.2f} to {pt['high']:.2f}); at "
        f"{settings['late_month']} {pl['p']:.2f} (90% {pl['low']:.2f} to "
        f"{pl['high']:.2f})."]
    v = base["variance"]
    if "parameter_share" in v:
        lines.append(f"- **Uncertainty**: {v['parameter_share']:.0%} of the "
                     "variance of the 2015 share comes from the parameters, "
                     f"{1 - v['parameter_share']:.0%} from chance within a "
                     "parameter draw (law of total variance).")
    if best:
        e = best["effect"]
        lines.append(
            f"- **Levers**: the largest mean effect on the 2015 share is "
            f"{best['scenario']}'s, {100 * e['mean']:+.2f} percentage points "
            f"(90% {100 * e['mean_low']:+.2f} to {100 * e['mean_high']:+.2f}"
            f"); P(effect >= {100 * ens['margin']:.0f} point) = "
            f"{e['p_at_least_margin']:.2f}. Scenarios with P(target) >= 0.5: "
            + (", ".join(reaching) if reaching else "none") + ".")
    lines.append(f"- **What drives it** (Sobol total indices of the "
                 f"{settings['target_month']} share): {top_sobol(res)}.")
    lines.append("- **What would it have taken**: " + taken(res))
    return "\n".join(lines)


def taken(res):
    boxes, lhs = res["boxes"], res["lhs"]
    target_box = boxes["share_target"]
    step, moved = res["change"]
    text = []
    if target_box["reached"] == 0:
        i = int(np.argmax(lhs["share_target"]))
        text.append(
            f"no point of the {target_box['points']}-point hypercube reaches "
            f"one in six at {res['settings']['target_month']}; the largest "
            f"share is {pct(lhs['share_target'][i])}. The levers of the top "
            f"tenth: {target_box['words']}.")
    else:
        text.append(f"{target_box['reached']} of {target_box['points']} "
                    f"hypercube points reach it; the PRIM box: "
                    f"{target_box['words']}.")
    if step is not None:
        text.append("The smallest change found (surrogate path, verified): "
                    + "; ".join(lv.describe(v) for lv, v in zip(
                        res["levers"], step["values"]) if lv in moved)
                    + f" ({len(moved)} levers), with P(target) = "
                    f"{step['p_target']:.2f}.")
    else:
        last = res["steps"][-1]
        text.append(f"No step of the surrogate path reaches P(target) >= "
                    f"0.5; with every lever moved the verified median share"
                    f" is {pct(last['median_target'])} at "
                    f"{res['settings']['target_month']} and "
                    f"{pct(last['median_late'])} at "
                    f"{res['settings']['late_month']}.")
    return " ".join(text)


def cost_rows(res):
    total = sum(res["timings"].values())
    return [[name, f"{seconds / 60:.1f}", f"{seconds / total:.0%}"]
            for name, seconds in res["timings"].items()] + [
        ["total", f"{total / 60:.1f}", "100%"]]


def header(res):
    s = res["settings"]
    post = res["posterior"]
    dev = ("a **development calibration** (not the production posterior "
           "of issue 15: few particles, run at the answer's scale)"
           if res["development"] else "the given calibration")
    return (
        f"Made by `{res['argv']}` (profile {s['profile']}). Posterior: "
        f"`{res['posterior_file']}`, {dev}, {len(post.weights)} particles of "
        f"{', '.join(post.names)}. Every run at population.scale = "
        f"{s['scale']} to {s['horizon']}; ensembles of "
        f"{s['ensemble']['draws']} draws x {s['ensemble']['replicates']} "
        "replicates per scenario, paired with the baseline (the same draws "
        "and seeds). Intervals are 90% over draws and replicates "
        "(hierarchical bootstrap) unless marked 95%.")


def sobol_warning(res):
    """A plain warning when the intervals are too wide to rank inputs:
    the design is then too small (raise sobol.base_samples)."""
    table = next(iter(res["sobol"]["tables"].values()))
    width = float((table["ST_high"] - table["ST_low"]).max())
    if width <= 0.3:
        return []
    return [f"**These indices do not rank the inputs**: the widest 95% "
            f"interval of a total index is {width:.2f} wide with "
            f"{res['settings']['sobol']['base_samples']} base samples; a "
            "design of a few hundred base samples is needed for intervals "
            "of about 0.1.", ""]


def sobol_section(res):
    parts = [f"Saltelli design, {res['sobol']['runs']} runs: the free "
             "parameters uniform over their 90% posterior interval, the "
             "levers over their ranges; Saltelli (2010) first-order and "
             "Jansen total indices, 95% bootstrap intervals.", "",
             "![Sobol](answer-sobol.png)", "",
             "*From `sobol-*.h5` (`mutsim sweep sobol-*.yaml`, one or more "
             "sweeps per block of the design).*",
             ""] + sobol_warning(res)
    for label, table in res["sobol"]["tables"].items():
        parts += [f"**{label}**", "",
                  md_table(["input", "S1", "ST"], sobol_rows(table)), ""]
    if res["morris"] is not None:
        m = res["morris"]
        parts += ["**Beside Morris** (rank of ST against the Morris mu* "
                  "rank of the share in the screening, which has its own "
                  "parameter ranges; disagree = more than one place apart; "
                  "- = not in the screening)", "",
                  md_table(["parameter", "ST", "Sobol rank", "Morris rank",
                            "disagree"],
                           [[r.parameter, f"{r.ST:.3f}", int(r.sobol_rank),
                             "-" if np.isnan(r.morris_rank)
                             else int(r.morris_rank),
                             "-" if np.isnan(r.morris_rank) else r.disagree]
                            for r in m.itertuples()]), ""]
    return parts


def prim_section(res):
    parts = ["![PRIM](answer-prim.png)", "",
             "*The peeling trajectories; a star marks the chosen box. From "
             "`discovery-*.h5` (`mutsim sweep discovery-*.yaml`).*", ""]
    for label, box in res["boxes"].items():
        parts += [f"- **{label}**: case of interest {box['case']}; "
                  f"{box['reached']} of {box['points']} points reach the "
                  f"target. Box: {box['words']}."]
    return parts


def markdown(res, figures):
    s = res["settings"]
    parts = [
        "# The answer under uncertainty", "",
        "<!-- Generated by analysis/answer.py (mutsim_analysis.answer). Do "
        "not edit by hand. -->", "", header(res), "",
        "## The answer", "", plain_answer(res), "",
        "## The baseline over time", "", f"![fan]({figures['fan']})", "",
        "*From `ensembles/baseline.h5`; the command of every file is in "
        "`answer.json` (commands).*", "",
        "## P(target) and the lever effects, per scenario", "",
        f"Effect: the paired difference from the baseline in the "
        f"{s['target_month']} share (percentage points, mean with 90% "
        f"interval); P(>= margin): the share of worlds where it is at "
        f"least {100 * res['ensembles']['margin']:.0f} point.", "",
        md_table(["scenario", f"share {s['target_month']}", "90% of worlds",
                  f"P(target) {s['target_month']}",
                  f"P(target) {s['late_month']}", "parameter share of var",
                  "effect", "P(>= margin)"], scenario_rows(res)), "",
        f"![reach]({figures['reach']})", "",
        f"![effects]({figures['effects']})", "",
        "*From `ensembles/*.h5` (`mutsim ensemble`, one file per "
        "scenario).*", "",
        "## Global sensitivity", ""] + sobol_section(res) + [
        "## What would it have taken", "",
        f"A Latin hypercube of {res['boxes']['share_target']['points']} lever"
        " points, each on one posterior draw; PRIM (Friedman and Fisher "
        "1999) peeling and pasting.", ""] + prim_section(res) + [
        "", "The smallest change: a gradient-boosting surrogate of the "
        "hypercube's share picks one lever at a time; each step is then run "
        f"over the same {s['discovery']['verify_draws']} posterior draws. "
        + surrogate_words(res), "",
        md_table(["step", "lever moved", "predicted", "median "
                  + s["target_month"], "paired gain (points)", "P(target)",
                  "median " + s["late_month"], "P(target) late"],
                 step_rows(res)), "",
        "*Each step is a scenario `verify/step-N.yaml` (the baseline with "
        "the levers so far) run by `mutsim ensemble` into "
        "`verify/step-N.h5`: every step on the same draws and seeds, the "
        "gain the mean paired difference from step 0.*", "",
        "## Cost", "",
        md_table(["step", "wall minutes", "share"], cost_rows(res)), "",
        f"{len(res['commands'])} mutsim commands; each runs its points in "
        "parallel on the machine's threads, and under `mpirun` each sweep "
        "or ensemble spreads its points over the ranks (docs/CLUSTER.md).",
        ""]
    return "\n".join(parts)


def surrogate_words(res):
    """The surrogate's out-of-sample fit, in a sentence."""
    fit = res["surrogate_fit"]
    words = (f"Its out-of-sample R^2 (5-fold cross-validation) is "
             f"{fit['levers']:.2f} on the levers alone")
    if "levers_and_parameters" in fit:
        words += (f" and {fit['levers_and_parameters']:.2f} with each "
                  "point's posterior parameters, which it uses: a lever "
                  "setting's prediction is its mean over the draws of the "
                  f"first {res['settings']['discovery']['surrogate_draws']}"
                  " points")
    return words + "."


def summary_json(res):
    ens = res["ensembles"]
    return {
        "profile": res["settings"]["profile"],
        "posterior": str(res["posterior_file"]),
        "development_posterior": res["development"],
        "scenarios": [{k: v for k, v in r.items()} for r in ens["scenarios"]],
        "sobol": {label: table.to_dict("records") for label, table in
                  res["sobol"]["tables"].items()},
        "prim": {label: {"case": b["case"], "reached": b["reached"],
                         "points": b["points"], "box": b["words"]}
                 for label, b in res["boxes"].items()},
        "surrogate_fit": res["surrogate_fit"],
        "steps": [{"moved": None if s["moved"] is None else
                   res["levers"][s["moved"]].name,
                   "values": list(map(float, s["values"])),
                   **{k: s[k] for k in ("predicted", "median_target",
                                        "gain", "p_target", "median_late",
                                        "p_late")}}
                  for s in res["steps"]],
        "timings_seconds": res["timings"],
        "commands": res["commands"]}


def _plain(value):
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


def write(out, res):
    figures = {"fan": fan_chart(res, out), "reach": reach_chart(res, out),
               "effects": effects_chart(res, out),
               "sobol": sobol_chart(res, out), "prim": prim_chart(res, out)}
    (out / "ANSWER.md").write_text(markdown(res, figures), encoding="utf-8")
    (out / "answer.json").write_text(json.dumps(
        summary_json(res), indent=1, default=_plain), encoding="utf-8")
