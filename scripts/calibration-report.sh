#!/usr/bin/env bash
# Runs the calibration (ABC-SMC) and the Morris sensitivity analysis with the
# settings of scenarios/calibration.yaml and scenarios/sensitivity.yaml,
# times them, and writes docs/CALIBRATION.md from the two HDF5 files.
# Used by `make calibration-report`. Environment:
#   MUTSIM   the mutsim binary (default build/bin/mutsim)
#   THREADS  worker threads (default 2)
#   RESULTS  folder for calib.h5, sensitivity.h5 and the logs (default results)
set -euo pipefail
cd "$(dirname "$0")/.."
MUTSIM=${MUTSIM:-build/bin/mutsim}
THREADS=${THREADS:-2}
RESULTS=${RESULTS:-results}
mkdir -p "$RESULTS"

now() { date +%s.%N; }
# CPU seconds (user + system) of this shell's finished children, from the
# `times` builtin (run in this shell, not a subshell, which would count none).
TIMES=$(mktemp)
trap 'rm -f "$TIMES"' EXIT
child_cpu() { awk 'NR == 2 { gsub(/[ms]/, " "); print $1 * 60 + $2 + $3 * 60 + $4 }' "$TIMES"; }
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

t0=$(now)
times > "$TIMES"; c0=$(child_cpu)
"$MUTSIM" calibrate scenarios/calibration.yaml -o "$RESULTS/calib.h5" --force \
  --threads "$THREADS" | tee "$RESULTS/calibrate.txt"
t1=$(now)
times > "$TIMES"; c1=$(child_cpu)
"$MUTSIM" sensitivity scenarios/sensitivity.yaml -o "$RESULTS/sensitivity.h5" --force \
  --threads "$THREADS" --table "$RESULTS/sensitivity.md" > "$RESULTS/sensitivity.txt"
t2=$(now)
times > "$TIMES"; c2=$(child_cpu)
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

/usr/bin/python3 analysis/calibration_report.py "$RESULTS/calib.h5" "$RESULTS/sensitivity.h5" \
  -o docs/CALIBRATION.md --threads "$THREADS" \
  --calibrate-seconds "$(awk "BEGIN{print $t1 - $t0}")" \
  --sensitivity-seconds "$(awk "BEGIN{print $t2 - $t1}")" \
  --calibrate-cpu-seconds "$(awk "BEGIN{print $c1 - $c0}")" \
  --sensitivity-cpu-seconds "$(awk "BEGIN{print $c2 - $c1}")" \
  --load "$load_before / $load_after" --results "$RESULTS"
echo "wrote docs/CALIBRATION.md"
