"""The answer's settings (scenarios/answer/answer.yaml) and its levers.

``load`` reads the file strictly (unknown keys, missing keys, bad values:
``ConfigError`` naming the file and the key) and applies a profile.
``Lever`` maps a lever's value, a number in its range, to the scenario
entries a sweep point sets; ``check_levers`` refuses, before anything
runs, a lever range outside the parameter's declared range (the table of
`mutsim params`) or a baseline value that is not the baseline scenario's.
"""

import copy
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

SECTIONS = {
    "scale": float, "horizon": str, "target_month": str, "late_month": str,
    "threads": int, "sensitivity": str, "development_calibration": dict, "ensemble": dict,
    "sobol": dict, "discovery": dict, "levers": list, "profiles": dict,
}
SUBKEYS = {
    "development_calibration": {"calibration", "particles", "generations",
                                "max_evaluations_per_generation"},
    "ensemble": {"draws", "replicates", "seed", "margin", "baseline",
                 "scenarios"},
    "sobol": {"base_samples", "replicates", "seed", "bootstrap"},
    "discovery": {"samples", "seed", "peel_alpha", "min_mass",
                  "min_coverage", "moved_fraction", "verify_draws",
                  "min_gain", "surrogate_draws"},
}
LEVER_KEYS = {"name", "key", "kind", "range", "baseline", "values", "month",
              "source"}
KINDS = ("number", "integer", "switch", "choice", "year",
         "nhs_long_contracts")
NHS_PERIODS = "commissioning.sectors.nhs.periods"


class ConfigError(Exception):
    """A settings file this command refuses, and where."""


@dataclass
class Lever:
    """One policy lever: a number in [lower, upper] and what it sets."""

    name: str
    kind: str
    lower: float
    upper: float
    baseline: float
    key: str = ""
    values: list = None
    month: int = 1
    source: str = ""
    nhs_mixes: list = None   # the baseline's NHS contract mixes, per period

    @property
    def integer(self):
        return self.kind != "number" and self.kind != "nhs_long_contracts"

    def unit(self, value):
        """The value as a fraction of the lever's range."""
        width = self.upper - self.lower
        return (value - self.lower) / width if width > 0 else 0.0

    def entries(self, value):
        """The scenario entries (key path -> YAML value) at ``value``."""
        if self.kind == "nhs_long_contracts":
            return {f"{NHS_PERIODS}[{i}].contract_years":
                    blend_mix(mix, float(value))
                    for i, mix in enumerate(self.nhs_mixes)}
        if self.kind == "number":
            return {self.key: float(value)}
        index = int(round(value))
        if self.kind == "switch":
            return {self.key: bool(index)}
        if self.kind == "choice":
            return {self.key: self.values[index]}
        if self.kind == "year":
            return {self.key: f"{index:04d}-{self.month:02d}"}
        return {self.key: index}

    def describe(self, value):
        """The value in words, for the report."""
        if self.kind == "choice":
            return f"{self.name} = {self.values[int(round(value))]}"
        if self.kind == "switch":
            return f"{self.name} {'on' if round(value) else 'off'}"
        if self.integer:
            return f"{self.name} = {int(round(value))}"
        return f"{self.name} = {value:.4g}"


def blend_mix(mix, long_share):
    """``(1 - u) x mix + u x [5 years: 1]``, as a contract_years list with
    shares summing to 1 (5-year entries merged)."""
    shares = {}
    for entry in mix:
        years = int(entry["years"])
        shares[years] = shares.get(years, 0.0) + (1 - long_share) * float(
            entry["share"])
    shares[5] = shares.get(5, 0.0) + long_share
    return [{"years": y, "share": round(s, 12)}
            for y, s in sorted(shares.items()) if s > 0]


def _fail(path, key, problem):
    raise ConfigError(f"{path}: {key}: {problem}")


def _check_keys(path, where, mapping, allowed):
    for key in mapping:
        if key not in allowed:
            _fail(path, f"{where}{key}", "unknown key (allowed: "
                  + ", ".join(sorted(allowed)) + ")")


def _merge(base, overlay):
    out = copy.deepcopy(base)
    for key, value in overlay.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key].update(value)
        else:
            out[key] = value
    return out


def _read_yaml(path):
    try:
        with open(path, encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of settings")
    return data


def load(path, profile=None):
    """The settings of ``path`` with ``profile`` applied, paths resolved
    against the file's folder."""
    path = Path(path)
    data = _read_yaml(path)
    _check_keys(path, "", data, SECTIONS)
    for key, kind in SECTIONS.items():
        if key == "profiles":
            continue
        if key not in data:
            _fail(path, key, "missing")
        if not isinstance(data[key], kind) or isinstance(data[key], bool):
            _fail(path, key, f"expected {kind.__name__}")
    for section, allowed in SUBKEYS.items():
        _check_keys(path, f"{section}.", data[section], allowed)
        missing = allowed - set(data[section])
        if missing:
            _fail(path, f"{section}.{sorted(missing)[0]}", "missing")
    if profile:
        profiles = data.get("profiles", {})
        if profile not in profiles:
            _fail(path, f"profiles.{profile}", "no such profile (have: "
                  + ", ".join(sorted(profiles)) + ")")
        data = _merge(data, profiles[profile])
    base = path.parent
    data["development_calibration"]["calibration"] = str(
        (base / data["development_calibration"]["calibration"]).resolve())
    data["sensitivity"] = str((base / data["sensitivity"]).resolve())
    data["ensemble"]["baseline"] = str(
        (base / data["ensemble"]["baseline"]).resolve())
    data["ensemble"]["scenarios"] = [str((base / s).resolve())
                                     for s in data["ensemble"]["scenarios"]]
    data["levers"] = [_lever(path, i, entry)
                      for i, entry in enumerate(data["levers"])]
    data["profile"] = profile or "default"
    return data


def _lever(path, index, entry):
    where = f"levers[{index}]"
    if not isinstance(entry, dict):
        _fail(path, where, "expected a mapping")
    _check_keys(path, f"{where}.", entry, LEVER_KEYS)
    kind = entry.get("kind", "number")
    if kind not in KINDS:
        _fail(path, f"{where}.kind", f"{kind!r} is not one of "
              + ", ".join(KINDS))
    for key in ("name", "baseline") + (() if kind == "nhs_long_contracts"
                                       else ("key",)):
        if key not in entry:
            _fail(path, f"{where}.{key}", "missing")
    if kind == "choice":
        values = entry.get("values")
        if not isinstance(values, list) or len(values) < 2:
            _fail(path, f"{where}.values", "a choice needs a list of at "
                  "least two values")
        lower, upper = 0, len(values) - 1
    elif kind == "switch":
        lower, upper = 0, 1
    else:
        rng = entry.get("range")
        if (not isinstance(rng, list) or len(rng) != 2
                or not all(isinstance(v, (int, float)) for v in rng)
                or not rng[0] < rng[1]):
            _fail(path, f"{where}.range", "expected [lower, upper] with "
                  "lower < upper")
        lower, upper = rng
    baseline = entry["baseline"]
    if not lower <= baseline <= upper:
        _fail(path, f"{where}.baseline", f"{baseline} is outside the "
              f"lever's range [{lower}, {upper}]")
    return Lever(name=str(entry["name"]), kind=kind, lower=float(lower),
                 upper=float(upper), baseline=float(baseline),
                 key=str(entry.get("key", "")), values=entry.get("values"),
                 month=int(entry.get("month", 1)),
                 source=str(entry.get("source", "")))


_RANGE = re.compile(r"^\[(\S+), (\S+)\]$")


def declared_ranges(binary):
    """Each parameter's declared range, from `mutsim params`: key ->
    (lower, upper), for the parameters that have one."""
    table = subprocess.run([str(binary), "params"], check=True,
                           capture_output=True, text=True).stdout
    ranges = {}
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 4 or not cells[0].startswith("`"):
            continue
        match = _RANGE.match(cells[3])
        if match:
            ranges[cells[0].strip("`")] = (float(match.group(1)),
                                           float(match.group(2)))
    return ranges


def _scenario_value(scenario, key):
    node = scenario
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _check_baseline(path, lever, scenario, scenario_path):
    """The lever's baseline must be what the baseline scenario sets (a key
    the scenario leaves to its default is taken as given)."""
    if lever.kind == "nhs_long_contracts":
        return
    value = _scenario_value(scenario, lever.key)
    if value is None:
        return
    expected = lever.entries(lever.baseline)[lever.key]
    if isinstance(expected, float):
        same = np.isclose(float(value), expected)
    else:
        same = str(value) == str(expected) or value == expected
    if not same:
        raise ConfigError(
            f"{path}: lever {lever.name} ({lever.key}): baseline "
            f"{expected!r} is not the value in {scenario_path} ({value!r})")


def check_levers(path, levers, declared, baseline_path):
    """Refuse a lever whose range leaves the parameter's declared range,
    or whose baseline is not the baseline scenario's; attach the baseline's
    NHS contract mixes to the contract lever."""
    scenario = _read_yaml(baseline_path)
    periods = _scenario_value(scenario, NHS_PERIODS) or []
    for lever in levers:
        if lever.kind == "nhs_long_contracts":
            lever.nhs_mixes = [p["contract_years"] for p in periods]
            if not lever.nhs_mixes:
                raise ConfigError(f"{path}: lever {lever.name}: "
                                  f"{baseline_path} has no {NHS_PERIODS}")
            continue
        if lever.kind in ("number", "integer") and lever.key in declared:
            lo, hi = declared[lever.key]
            if lever.lower < lo or lever.upper > hi:
                raise ConfigError(
                    f"{path}: lever {lever.name}: {lever.key} range "
                    f"[{lever.lower:g}, {lever.upper:g}] is outside its "
                    f"declared range [{lo:g}, {hi:g}]")
        _check_baseline(path, lever, scenario, baseline_path)
