# Thin wrapper over CMake presets (in the manner of DuckDB's Makefile).
# Every target that builds first installs missing Debian packages.
.PHONY: deps build debug run test test-cpp test-python bench report clean format format-check

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

# The main job: the baseline scenario at national scale, written to HDF5.
run: build
	@mkdir -p results
	build/bin/mutsim run $(SCENARIO) -o results/baseline.h5 --force $(RUN_ARGS)

test: build test-cpp test-python

test-cpp:
	ctest --preset release -j $(JOBS)

test-python:
	$(PYTHON) -m pytest -q analysis/tests

bench: deps
	cmake --preset release -DMUTSIM_BUILD_BENCHMARKS=ON
	cmake --build --preset release -j $(JOBS)
	build/bin/mutsim_bench

report:
	$(PYTHON) analysis/report.py results/*.h5 -o report/

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp')

format-check:
	clang-format --dry-run --Werror $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf build build-debug build-asan build-tsan
