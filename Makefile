# Thin wrapper over CMake presets (in the manner of DuckDB's Makefile).
# Every target that builds first installs missing Debian packages.
.PHONY: scale-table deps build debug run test test-quick test-cpp test-python install-python lint tidy bench report clean format \
        format-check calibration-report calibration-production answer answer-quick \
        test-sanitizers test-asan test-tsan fuzz fuzz-short

JOBS ?= $(shell nproc)
PYTHON := /usr/bin/python3
SCENARIO ?= scenarios/baseline.yaml
RUN_ARGS ?=

deps:
	@bash scripts/install-deps.sh

build: deps
	cmake --preset release
	cmake --build --preset release -j $(JOBS)

debug: deps
	cmake --preset debug
	cmake --build --preset debug -j $(JOBS)

# The main job: the baseline scenario at national scale, written to HDF5,
# then its fit to the observed patterns P1-P5 (analysis/patterns.py).
run: build
	@mkdir -p results
	build/bin/mutsim run $(SCENARIO) -o results/baseline.h5 --force $(RUN_ARGS)
	$(PYTHON) analysis/patterns.py results/baseline.h5

# Does a sample estimate the whole? The baseline at scale 1 (40 replicates:
# as many as the smallest sample, so the reference is not the noisier side),
# 0.2 (20) and 0.1 (40), and the table of docs/ODD.md section 8 (issue 12).
# About 6 minutes on 2 cores.
scale-table: build
	@mkdir -p results/scale
	build/bin/mutsim run $(SCENARIO) -o results/scale/scale-1.h5 --force --replicates 40 -q
	build/bin/mutsim run $(SCENARIO) -o results/scale/scale-0.2.h5 --force --replicates 20 \
	  --set population.scale=0.2 -q
	build/bin/mutsim run $(SCENARIO) -o results/scale/scale-0.1.h5 --force --replicates 40 \
	  --set population.scale=0.1 -q
	$(PYTHON) analysis/scale_table.py results/scale/scale-1.h5 results/scale/scale-0.2.h5 \
	  results/scale/scale-0.1.h5

# The whole suite, as CI runs it: the release build's ctest and pytest, the
# lint stages, the unit tests under ASan+UBSan and under ThreadSanitizer, and
# a short fuzz of the scenario loader (most of the time goes to building the
# three instrumented trees and to clang-tidy). The figures are in README's
# test section. `test-quick` is the release part alone.
test: test-quick lint test-sanitizers fuzz-short

test-quick: build test-cpp test-python

test-cpp:
	ctest --preset release -j $(JOBS)

# analysis/ (the report, the browser check of its page) and python/ (the
# mutsim module, the netCDF view, the example notebook).
test-python:
	$(PYTHON) -m pytest -q analysis/tests
	$(PYTHON) -m pytest -q python/tests

# The Python module into /usr/bin/python3's site-packages (without this,
# PYTHONPATH=build/python; docs/PYTHON.md).
PYTHON_SITE ?= $(shell $(PYTHON) -c 'import sysconfig; print(sysconfig.get_path("platlib"))')
install-python: build
	rm -rf $(PYTHON_SITE)/mutsim
	mkdir -p $(PYTHON_SITE)
	cp -r build/python/mutsim $(PYTHON_SITE)/mutsim
	@echo "installed $(PYTHON_SITE)/mutsim"

# Lint (issue 11): no function over 60 lines in sim/ or analysis/, flake8
# over analysis/ and python/ (analysis/.flake8). The layering is checked by
# every build (scripts/check-layers.py). clang-tidy over sim/ (.clang-tidy's
# checks, zero findings) is `make tidy`: it takes about 3 minutes on 2 cores,
# so CI (.ci/run) runs it beside `make test` rather than inside it.
lint: build
	$(PYTHON) scripts/check-function-length.py
	cd analysis && $(PYTHON) -m flake8
	cd python && $(PYTHON) -m flake8 --config ../analysis/.flake8

tidy: build
	JOBS=$(JOBS) bash scripts/run-clang-tidy.sh build

# Reliability (issue 7): the [unit] tests and a regression subset under
# ASan+UBSan and under ThreadSanitizer (with oneTBB built from Debian's source
# with -fsanitize=thread, build-tsan-tbb/); a bounded libFuzzer run of the
# scenario loader (clang, build-fuzz/).
FUZZ_SECONDS ?= 60
FUZZ_SHORT_SECONDS ?= 30

test-sanitizers: deps
	JOBS=$(JOBS) bash scripts/test-sanitizers.sh asan tsan

test-asan: deps
	JOBS=$(JOBS) bash scripts/test-sanitizers.sh asan

test-tsan: deps
	JOBS=$(JOBS) bash scripts/test-sanitizers.sh tsan

fuzz: deps
	JOBS=$(JOBS) bash scripts/run-fuzz.sh $(FUZZ_SECONDS)

fuzz-short: deps
	JOBS=$(JOBS) bash scripts/run-fuzz.sh $(FUZZ_SHORT_SECONDS)

# Micro-benchmarks (with the numpy peer, ../shared/peers/numpy_staff_step.py,
# in the same run), then the national run end to end as whole processes
# (docs/PERFORMANCE.md). The set-up share combines the two: mutsim_bench
# leaves its figures in build/bench-summary.txt for bench-national.sh. Last,
# the throughput of mutsim calibrate (evaluations at scale 1 and at 0.1).
BENCH_CALIBRATION_EVALS ?= 8 64
bench: deps
	cmake --preset release -DMUTSIM_BUILD_BENCHMARKS=ON
	cmake --build --preset release -j $(JOBS)
	MUTSIM_BENCH_SUMMARY=build/bench-summary.txt build/bin/mutsim_bench --benchmark_color=false
	MUTSIM_BENCH_SUMMARY=build/bench-summary.txt bash scripts/bench-national.sh
	bash benchmarks/calibration-throughput.sh $(BENCH_CALIBRATION_EVALS)

# The report compares the baseline with every policy scenario. Scenarios
# without a result yet are run first, at national scale like `make run` (about
# a minute each on 2 cores; REPORT_SCALE=0.2 is quicker, but whole-organisation
# dynamics depend on scale: docs/ODD.md section 8); results/baseline.h5 from
# `make run` is used as it is.
REPORT_SCALE ?= 1.0
REPORT_REPLICATES ?= 10
# Not policy scenarios: command configurations, and the benchmark's national
# run (the baseline with one replicate).
COMMAND_CONFIGS := scenarios/calibration.yaml scenarios/calibration-production.yaml \
                   scenarios/sensitivity.yaml scenarios/national.yaml
SCENARIO_RESULTS := $(patsubst scenarios/%.yaml,results/%.h5,\
                      $(filter-out $(COMMAND_CONFIGS),$(wildcard scenarios/*.yaml)))

results/%.h5: scenarios/%.yaml scenarios/baseline.yaml
	@mkdir -p results
	build/bin/mutsim run $< -o $@ --force -q --replicates $(REPORT_REPLICATES) \
	  --set population.scale=$(REPORT_SCALE)

report: build
	$(MAKE) $(SCENARIO_RESULTS)
	$(PYTHON) analysis/report.py $(SCENARIO_RESULTS) -o report/

# The answer under uncertainty (issue 16; docs/ANSWER.md): posterior
# ensembles of every policy scenario, Sobol indices and scenario discovery,
# then $(ANSWER_DIR)/ANSWER.md. POSTERIOR=FILE uses that calibration (else a
# development calibration is run); MORRIS=FILE sets a Morris screening
# beside Sobol. answer-quick: the same analysis, small, in minutes.
ANSWER_DIR ?= results/answer
ANSWER_ARGS = $(if $(POSTERIOR),--posterior $(POSTERIOR)) $(if $(MORRIS),--morris $(MORRIS))
answer: build
	$(PYTHON) analysis/answer.py scenarios/answer/answer.yaml -o $(ANSWER_DIR) $(ANSWER_ARGS)

answer-quick: build
	$(PYTHON) analysis/answer.py scenarios/answer/answer.yaml -o $(ANSWER_DIR)-quick --profile quick $(ANSWER_ARGS)

# ABC-SMC calibration (whole population at scale 1, to 2013-10) and Morris
# sensitivity (scale 0.1), about 20 minutes on 2 cores, then
# docs/CALIBRATION.md from their HDF5 files.
calibration-report: build
	THREADS=$(or $(CALIB_THREADS),2) bash scripts/calibration-report.sh

# The production calibration of issue 15 (scenarios/calibration-production.yaml:
# 512 particles, at least 5 generations, 2 replicates, scale 0.1, 19 free
# parameters). Measured rates project about 5.4 h on 2 cores and 5 min on
# 4 x 32 cores (docs/PERFORMANCE.md); run it on a cluster (docs/CLUSTER.md).
# Resumable: the same command again continues after a kill, and says a
# finished run is complete.
calibration-production: build
	@mkdir -p results
	$(PYTHON) scripts/calibration-overlay.py scenarios/calibration-production.yaml \
	  -o results/calibration-production.yaml
	build/bin/mutsim calibrate results/calibration-production.yaml -o results/calib-production.h5 \
	  --threads $(or $(CALIB_THREADS),$(JOBS))

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp')

format-check:
	clang-format --dry-run --Werror $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf build build-debug build-asan build-tsan build-tsan-tbb build-fuzz
