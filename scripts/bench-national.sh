#!/usr/bin/env bash
# End-to-end benchmark of the national run (issue 6, item 4), timed as whole
# processes with /usr/bin/time -v. scenarios/national.yaml is the baseline
# at scale 1.0 with one replicate (through `extends`, so it cannot drift);
# the other scales are the same file with population.scale overridden.
#
#   scripts/bench-national.sh [REPEATS]      (default 5; medians are reported)
#
# Prints, per configuration: wall time, peak resident memory, bytes per staff
# agent, the split set-up / stepping / output, and the cost per staff-month;
# then the targets of docs/PERFORMANCE.md (issue 14). Run by `make bench`
# after the micro-benchmarks, whose set-up time it reads from
# $MUTSIM_BENCH_SUMMARY (written by mutsim_bench) for the set-up share;
# needs build/bin/mutsim.
set -euo pipefail
cd "$(dirname "$0")/.."
REPEATS=${1:-5}
BIN=build/bin/mutsim
SCENARIO=scenarios/national.yaml
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# run SCALE THREADS -> one line: wall_s rss_kib agents setup_s sim_s months cpu_s
run() {
  local scale=$1 threads=$2
  /usr/bin/time -v -o "$TMP/time" "$BIN" run "$SCENARIO" -o "$TMP/out.h5" --force \
    --threads "$threads" --set "population.scale=$scale" \
    >/dev/null 2>"$TMP/err"
  local wall rss agents setup sim start end
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/{n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; print s}' "$TMP/time")
  rss=$(awk -F': ' '/Maximum resident set size/{print $2}' "$TMP/time")
  agents=$(sed -n 's/.*(\([0-9]*\) staff agents[^;]*; set-up \([0-9.]*\) s, simulation \([0-9.]*\) s).*/\1/p' "$TMP/err")
  setup=$(sed -n 's/.*set-up \([0-9.]*\) s, simulation.*/\1/p' "$TMP/err")
  sim=$(sed -n 's/.*simulation \([0-9.]*\) s).*/\1/p' "$TMP/err")
  # A changed summary line must stop the benchmark, not shift its columns.
  if [[ -z $agents || -z $setup || -z $sim ]]; then
    echo "bench-national: cannot read agents, set-up and simulation time from mutsim's last line:" >&2
    tail -1 "$TMP/err" >&2
    exit 1
  fi
  start=$(sed -n 's/.*(\([0-9]\{4\}-[0-9]\{2\}\) to \([0-9]\{4\}-[0-9]\{2\}\),.*/\1/p' "$TMP/err")
  end=$(sed -n 's/.*(\([0-9]\{4\}-[0-9]\{2\}\) to \([0-9]\{4\}-[0-9]\{2\}\),.*/\2/p' "$TMP/err")
  local months=$(( (10#${end:0:4} - 10#${start:0:4}) * 12 + 10#${end:5:2} - 10#${start:5:2} + 1 ))
  local cpu
  cpu=$(awk -F': ' '/User time|System time/{s+=$2} END{print s}' "$TMP/time")
  echo "$wall $rss $agents $setup $sim $months $cpu"
}

CONFIGS=("1.0 2" "1.0 1" "0.1 2" "0.01 2")
for config in "${CONFIGS[@]}"; do
  read -r scale threads <<<"$config"
  echo "national: scale $scale, $threads thread(s), $REPEATS runs..." >&2
  for ((r = 0; r < REPEATS; ++r)); do echo "$scale $threads $(run "$scale" "$threads")"; done
done >"$TMP/runs"

python3 - "$TMP/runs" "${MUTSIM_BENCH_SUMMARY:-}" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
by = {}
for scale, threads, wall, rss, agents, setup, sim, months, cpu in rows:
    by.setdefault((scale, threads), []).append(
        dict(wall=float(wall), rss=float(rss) * 1024, agents=int(agents), setup=float(setup),
             sim=float(sim), months=int(months), cpu=float(cpu)))
def med(runs, f): return statistics.median(f(r) for r in runs)
print("\nNational run (scenarios/national.yaml, --set population.scale=S),")
print(f"whole process under /usr/bin/time -v; medians of {len(next(iter(by.values())))} runs.")
print("set-up = population structure (CLI 'set-up'); stepping = staff draw + 72 months (CLI")
print("'simulation'); output = the rest of the process: YAML load, HDF5 write, read-back.")
print("CPU s = user + system time of the process (less sensitive to other load than wall).\n")
hdr = f"{'scale':>5} {'thr':>3} {'agents':>9} {'wall s':>7} {'peak MiB':>8} {'B/agent':>8} {'set-up s':>8} {'step s':>7} {'output s':>8} {'out %':>6} {'ns/staff-month':>14} {'(wall)':>8} {'CPU s':>6}"
print(hdr); print("-" * len(hdr))
res = {}
for (scale, threads), runs in by.items():
    agents, months = runs[0]['agents'], runs[0]['months']
    wall = med(runs, lambda r: r['wall']); rss = med(runs, lambda r: r['rss'])
    setup = med(runs, lambda r: r['setup']); sim = med(runs, lambda r: r['sim'])
    out = med(runs, lambda r: r['wall'] - r['setup'] - r['sim'])
    per = med(runs, lambda r: r['sim'] / (r['agents'] * r['months'])) * 1e9
    per_wall = med(runs, lambda r: r['wall'] / (r['agents'] * r['months'])) * 1e9
    cpu = med(runs, lambda r: r['cpu'])
    res[(scale, threads)] = dict(wall=wall, rss=rss, per=per, out=out, agents=agents)
    print(f"{scale:>5} {threads:>3} {agents:>9} {wall:7.2f} {rss/2**20:8.0f} {rss/agents:8.1f} "
          f"{setup:8.3f} {sim:7.2f} {out:8.2f} {100*out/wall:6.1f} {per:14.2f} {per_wall:8.2f} {cpu:6.2f}")
n2, n1, t1 = res[("1.0", "2")], res[("1.0", "1")], res[("0.1", "2")]
print("\nTargets (issue 14; national = scale 1.0, one replicate):")
def target(what, value, ok): print(f"  {what:<58} {value:>10}  {'met' if ok else 'MISSED'}")
target("wall time <= 1.5 s (2 threads)", f"{n2['wall']:.2f} s", n2['wall'] <= 1.5)
target("1 -> 2 threads >= 1.9x (whole process, wall)", f"{n1['wall']/n2['wall']:.2f}x",
       n1['wall'] / n2['wall'] >= 1.9)
print(f"  {'  (stepping alone)':<58} {n1['per']/n2['per']:>9.2f}x")
target("peak memory <= 256 MiB", f"{n2['rss']/2**20:.0f} MiB", n2['rss'] <= 256 * 2**20)
summary = {}
if len(sys.argv) > 2:
    try:
        summary = {k: float(v) for k, v in (l.split() for l in open(sys.argv[2]))}
    except OSError:
        pass
setup = summary.get("setup_seconds_2_threads", 0)
if setup > 0:
    share = setup / n2['wall']
    target("set-up (traits + initial attitudes) <= 15% of wall", f"{100*share:.1f} %", share <= 0.15)
    print(f"  {'  (mutsim_bench DrawStaffAndInitialise/2, median of 3:':<58} {setup:>8.3f} s)")
else:
    print("  set-up share: no mutsim_bench summary ($MUTSIM_BENCH_SUMMARY); run make bench")
print(f"  {'output (load+HDF5+read-back), % of wall':<58} {100*n2['out']/n2['wall']:>8.1f} %")
r = n2['per'] / t1['per']
print(f"  {'cost/staff-month at 1.0 / at 0.1':<58} {r:>10.2f}")
PY
