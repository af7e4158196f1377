"""scripts/calibration-overlay.py: the production calibration of issue 15
is the development one with an overlay; the file it writes is one mutsim
accepts, and a bad overlay is refused with nothing written."""

import importlib.util
import os
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = REPO / "scenarios"
BINARY = Path(os.environ.get("MUTSIM_BINARY",
                             REPO / "build" / "bin" / "mutsim"))
SCRIPT = REPO / "scripts" / "calibration-overlay.py"

spec = importlib.util.spec_from_file_location("calibration_overlay", SCRIPT)
overlay = importlib.util.module_from_spec(spec)
spec.loader.exec_module(overlay)


def _production(tmp_path):
    out = tmp_path / "production.yaml"
    assert overlay.main([str(SCENARIOS / "calibration-production.yaml"),
                         "-o", str(out)]) == 0
    return yaml.safe_load(out.read_text()), out


def test_production_is_the_development_calibration_at_production_size(
        tmp_path):
    full, _ = _production(tmp_path)
    parent = yaml.safe_load((SCENARIOS / "calibration.yaml").read_text())
    # The targets and seed are the parent's, not a copy that could drift.
    assert full["targets"] == parent["targets"]
    assert full["seed"] == parent["seed"]
    # Its seven parameters first, then the added ones, none twice.
    keys = [p["key"] for p in full["parameters"]]
    assert keys[:len(parent["parameters"])] == [
        p["key"] for p in parent["parameters"]]
    assert len(set(keys)) == len(keys) == 19
    # abc merged key by key: the overlay's sizes, the parent's quantile.
    assert full["abc"]["particles"] >= 512
    assert full["abc"]["min_generations"] >= 5
    assert full["abc"]["quantile"] == parent["abc"]["quantile"]
    assert full["replicates"] >= 2
    assert "population.scale=0.1" in full["fixed_overrides"]
    assert Path(full["base_scenario"]).is_absolute()
    assert Path(full["base_scenario"]).exists()


@pytest.mark.skipif(not BINARY.exists(), reason="no build/bin/mutsim")
def test_mutsim_accepts_every_key_and_prior_of_the_production_file(tmp_path):
    # The file as written, shrunk to two prior draws at scale 0.01: mutsim
    # checks every key, range and target against the scenario before it
    # runs, so this is the production file's validation.
    full, _ = _production(tmp_path)
    full["abc"].update(particles=2, generations=1, min_generations=1,
                       max_evaluations_per_generation=2)
    full["fixed_overrides"] = ["time.end=2013-10", "population.scale=0.01"]
    tiny = tmp_path / "tiny.yaml"
    tiny.write_text(yaml.safe_dump(full, sort_keys=False))
    result = tmp_path / "tiny.h5"
    run = subprocess.run([str(BINARY), "calibrate", str(tiny), "-o",
                          str(result), "-q", "--threads", "2"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert result.stat().st_size > 0


def test_a_parameter_already_in_the_parent_is_refused(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({
        "extends": str(SCENARIOS / "calibration.yaml"),
        "extra_parameters": [{"key": "pipeline.entry_logit",
                              "range": [-8, -5], "source": "test"}]}))
    out = tmp_path / "out.yaml"
    assert overlay.main([str(bad), "-o", str(out)]) == 2
    assert "pipeline.entry_logit is already a parameter" in \
        capsys.readouterr().err
    assert not out.exists()


def test_an_overlay_without_extends_is_refused(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("abc: {particles: 4}\n")
    out = tmp_path / "out.yaml"
    assert overlay.main([str(bad), "-o", str(out)]) == 2
    assert "extends: missing" in capsys.readouterr().err
    assert not out.exists()
