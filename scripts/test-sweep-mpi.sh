#!/usr/bin/env bash
# ctest sweep.mpi_two_ranks (issue 5): a sweep under `mpirun -n 2` writes the
# same file, byte for byte, as the same sweep in one process, and both ranks
# run points. Exits 77 (ctest: skipped) when mpirun is not installed.
# Usage: test-sweep-mpi.sh MUTSIM_BINARY SOURCE_DIR
set -euo pipefail
BIN=$1
SRC=$2
if ! command -v mpirun >/dev/null 2>&1; then
  echo "SKIP: mpirun not found (apt-get install openmpi-bin libopenmpi-dev, then rebuild)"
  exit 77
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mutsim_mpi_XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
SWEEP="$SRC/tests/data/sweeps/small-factorial.yaml"
QUICK=(--set population.scale=0.2 --set time.end=2011-06)

"$BIN" sweep "$SWEEP" -o one.h5 -q "${QUICK[@]}"
# One thread per rank so that both ranks must take points.
mpirun --oversubscribe --allow-run-as-root -n 2 "$BIN" sweep "$SWEEP" -o mpi.h5 --threads 1 \
  "${QUICK[@]}" 2> mpi.err || { cat mpi.err; exit 1; }
cat mpi.err
cmp one.h5 mpi.h5
grep -Eq "points run per rank: [1-9][0-9]*, [1-9][0-9]*" mpi.err || {
  echo "FAIL: expected both ranks to run points"; exit 1; }
[ ! -e mpi.h5.parts ] || { echo "FAIL: parts folder left behind"; exit 1; }
# Resubmitted after it finished (issue 14): complete, exit 0, the file untouched.
mpirun --oversubscribe --allow-run-as-root -n 2 "$BIN" sweep "$SWEEP" -o mpi.h5 --threads 1 \
  "${QUICK[@]}" 2> again.err || { cat again.err; echo "FAIL: rerun did not exit 0"; exit 1; }
grep -q "mpi.h5 is complete" again.err || { cat again.err; echo "FAIL: no 'is complete'"; exit 1; }
cmp one.h5 mpi.h5

# A posterior ensemble (issue 16) is a sweep: the same under mpirun. The
# output's name is part of its record (sweep_path), so both are out.h5.
"$BIN" calibrate "$SRC/tests/data/calibration/tiny-calibrate.yaml" -o post.h5 -q
ENSEMBLE=(ensemble "$SRC/tests/data/small.yaml" --posterior "$WORK/post.h5" --draws 4
          --replicates 2 -o out.h5 -q "${QUICK[@]}")
mkdir -p e1 e2
(cd e1 && "$BIN" "${ENSEMBLE[@]}")
(cd e2 && mpirun --oversubscribe --allow-run-as-root -n 2 "$BIN" "${ENSEMBLE[@]}" --threads 1)
cmp e1/out.h5 e2/out.h5
cmp e1/out.h5.ensemble.yaml e2/out.h5.ensemble.yaml
echo "PASS: mpirun -n 2 gives the single-process file byte for byte (sweep and ensemble)"
