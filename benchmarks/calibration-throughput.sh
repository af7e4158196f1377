#!/usr/bin/env bash
# Throughput of `mutsim calibrate` (issue 14, item 7): model evaluations per
# second per core at scale 1 and at scale 0.1, from generation 0 of an
# ABC-SMC run of scenarios/calibration.yaml (every prior draw is evaluated
# and accepted, so the evaluations are exactly `particles`), timed as a
# whole process under /usr/bin/time.
#
#   benchmarks/calibration-throughput.sh [EVALS_SCALE_1] [EVALS_SCALE_0.1]
#                                         (default 8 and 64; THREADS=2)
#
# Prints one line per scale (wall s, CPU s, evaluations, evaluations per
# second per core), then the projection docs/PERFORMANCE.md quotes: one
# 1,000-particle generation and an 8-generation ABC-SMC, on 2 cores and on
# 4 nodes of 32 cores. Needs build/bin/mutsim.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=build/bin/mutsim
THREADS=${THREADS:-2}
EVALS_1=${1:-8}
EVALS_01=${2:-64}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# run SCALE EVALS -> "scale evals wall_s cpu_s"
run() {
  local scale=$1 evals=$2
  sed -e "s|^base_scenario:.*|base_scenario: $PWD/scenarios/baseline.yaml|" \
      -e "s|^  particles:.*|  particles: $evals|" \
      -e "s|^  generations:.*|  generations: 1|" \
      -e "s|^  max_evaluations_per_generation:.*|  max_evaluations_per_generation: $evals|" \
      -e "s|^  - time.end=2013-10|  - time.end=2013-10\n  - population.scale=$scale|" \
      scenarios/calibration.yaml >"$TMP/calibration.yaml"
  grep -q "population.scale=$scale" "$TMP/calibration.yaml"
  /usr/bin/time -f "%e %U %S" -o "$TMP/time" "$BIN" calibrate "$TMP/calibration.yaml" \
    -o "$TMP/calib.h5" --force -q --threads "$THREADS"
  read -r wall user sys <"$TMP/time"
  echo "$scale $evals $wall $(awk -v u="$user" -v s="$sys" 'BEGIN{print u + s}')"
}

echo "mutsim calibrate, generation 0 only, $THREADS threads; load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
{ run 1.0 "$EVALS_1"; run 0.1 "$EVALS_01"; } >"$TMP/runs"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

/usr/bin/python3 - "$TMP/runs" "$THREADS" <<'PY'
import sys
threads = int(sys.argv[2])
rows = [l.split() for l in open(sys.argv[1])]
# Two rates: by the wall clock (evaluations / (wall x threads): what this
# run got, low when other work shares the cores) and by CPU time
# (evaluations / CPU seconds: what a core gives when the run has it alone).
print(f"{'scale':>5} {'evals':>6} {'wall s':>8} {'CPU s':>8} {'CPU s/eval':>10}"
      f" {'evals/s/core (wall)':>19} {'(CPU)':>7}")
rates = {}
for scale, evals, wall, cpu in rows:
    evals, wall, cpu = int(evals), float(wall), float(cpu)
    rates[scale] = (evals / (wall * threads), evals / cpu)
    print(f"{scale:>5} {evals:>6} {wall:8.2f} {cpu:8.2f} {cpu / evals:10.3f}"
          f" {rates[scale][0]:19.4f} {rates[scale][1]:7.4f}")
# ABC-SMC with 1,000 particles: generation 0 evaluates 1,000 prior draws;
# later generations evaluate particles / acceptance. The acceptance of the
# committed 32-particle run (docs/CALIBRATION.md: 50% in generation 1, 33%
# in 2) is assumed to settle at 1/3 (quantile 0.5 of shrinking distances):
# 1,000 + 2,000 + 6 x 3,000 = 21,000 evaluations. The cap of
# max_evaluations_per_generation (5 x particles) bounds it at 36,000.
evaluations = {"expected": 1000 + 2000 + 6 * 3000, "at the cap": 1000 + 7 * 5000}
print("\nProjection from the CPU rate (each evaluation is independent, so time")
print("is evaluations / (rate x cores); the wall rate of this run in brackets):")
for scale, (wall_rate, cpu_rate) in rates.items():
    gen0 = 1000 / (cpu_rate * threads)
    print(f"  scale {scale}: one 1,000-particle generation 0 on {threads} cores {gen0 / 60:.1f} min"
          f" ({1000 / (wall_rate * threads) / 60:.1f}); a later one at 1/3 acceptance"
          f" {3 * gen0 / 60:.1f} min")
    for what, n in evaluations.items():
        print(f"    8 generations, {n} evaluations ({what}): 2 cores {n / (cpu_rate * 2) / 3600:.2f} h"
              f" ({n / (wall_rate * 2) / 3600:.2f}); 4 x 32 cores {n / (cpu_rate * 128) / 60:.1f} min")
PY
