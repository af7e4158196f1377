"""validate, run and sweep: the library's entry points with Python types."""

import contextlib
import json
import os
import shutil
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

from . import _core
from ._errors import ScenarioError
from ._files import open_file


class OutputError(OSError):
    """The output file could not be written (or exists: pass ``force=True``)."""


@dataclass(frozen=True)
class Scenario:
    """A scenario that validated: what ``mutsim validate`` reports."""

    path: str
    start: str
    end: str
    routes: tuple
    organisation_types: tuple
    replicates: int
    seed: int
    scale: float
    target_share: float
    target_date: str
    effective_yaml: str  # every parameter after defaults and overrides


def validate(scenario, set=None):  # noqa: A002  (the issue's name for overrides)
    """Checks a scenario (a path, or YAML text) and returns a Scenario.

    ``set``: overrides, ``{"population.scale": 0.1}`` or ``["population.scale=0.1"]``,
    validated like the file. Raises ScenarioError naming file, line, column and key.
    """
    source, is_text = _source(scenario)
    overrides = _overrides(set)
    with _translated(overrides):
        return Scenario(**_core.validate(source, is_text, overrides))


def run(scenario, set=None, replicates=None, seed=None, threads=None,  # noqa: A002
        output=None, force=False):
    """Runs a scenario and returns its results as an xarray.Dataset.

    ``scenario``: a path or YAML text; ``set``: overrides as for validate;
    ``replicates`` and ``seed`` override ``run.replicates`` and ``run.seed``
    (recorded in the provenance as ``mutsim run --replicates/--seed`` records
    them); ``threads``: worker threads (default: every core; results do not
    depend on it). With ``output`` the HDF5 file is written there (replaced
    only with ``force``) exactly as ``mutsim run -o`` writes it, and the
    Dataset is read back from it, so both hold the same values.

    The Dataset is the one ``mutsim.open`` gives for the file. The GIL is
    released while the engine runs; Ctrl-C stops it within a month of
    simulation and raises KeyboardInterrupt, with no file written.
    """
    source, is_text = _source(scenario)
    overrides = _overrides(set)
    if seed is not None:
        overrides.append(f"run.seed={int(seed)}")
    if replicates is not None:
        overrides.append(f"run.replicates={int(replicates)}")
    with _output(output) as (path, keep):
        with _translated(overrides):
            _core.run(source, is_text, overrides, _threads(threads), path, force or not keep)
        return open_file(path)


def sweep(sweep_file, output, set=None, seed=None, replicates=None,  # noqa: A002
          threads=None, force=False, fresh=False):
    """Runs a sweep file into ``output`` and returns ``mutsim.open(output)``.

    As ``mutsim sweep SWEEP -o OUTPUT``: finished points are kept in
    ``OUTPUT.parts/`` and a repeated call resumes from them (``fresh=True``
    discards them); ``set`` overrides the base scenario; ``seed`` and
    ``replicates`` override the sweep file's. Failed points are NaN in the
    Dataset, with their error in its ``error`` coordinate, and warned about.
    Ctrl-C raises KeyboardInterrupt and keeps the finished points.
    """
    overrides = _overrides(set)
    with _translated(overrides):
        outcome = _core.sweep(os.fspath(sweep_file), overrides,
                              None if seed is None else int(seed),
                              None if replicates is None else int(replicates),
                              _threads(threads), os.fspath(output), force, fresh)
    if outcome["failed"]:
        warnings.warn(f"{outcome['failed']} of {outcome['points']} sweep points failed "
                      f"(points {outcome['failed_points']}); see the Dataset's `error` "
                      "coordinate", RuntimeWarning, stacklevel=2)
    return open_file(output)


def _source(scenario):
    """(path or text, is_text): text has a newline, or a colon and names no file."""
    if isinstance(scenario, os.PathLike):
        return os.fspath(scenario), False
    if not isinstance(scenario, str):
        raise TypeError(f"scenario: expected a path or YAML text, got {type(scenario).__name__}")
    is_text = "\n" in scenario or (":" in scenario and not os.path.exists(scenario))
    return scenario, is_text


def _overrides(values):
    """['KEY=VALUE', ...] from a mapping (values become YAML) or a list of strings."""
    if values is None:
        return []
    if isinstance(values, dict):
        return [f"{key}={_yaml(value)}" for key, value in values.items()]
    if isinstance(values, str):
        raise TypeError("set: expected a mapping or a list of 'KEY=VALUE' strings")
    return [str(value) for value in values]


def _yaml(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value)  # JSON is YAML flow style
    return str(value)


def _threads(threads):
    if threads is None:
        return 0
    if int(threads) < 1:
        raise ValueError(f"threads: must be at least 1, got {threads}")
    return int(threads)


@contextlib.contextmanager
def _output(output):
    """(path, keep): `output`, or a file in a temporary folder removed after."""
    if output is not None:
        yield os.fspath(output), True
        return
    folder = tempfile.mkdtemp(prefix="mutsim-")
    try:
        yield str(Path(folder) / "run.h5"), False
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def _translated(overrides):
    try:
        yield
    except _core.ConfigError as exc:
        raise ScenarioError.from_message(str(exc), overrides) from None
    except _core.IoError as exc:
        raise OutputError(str(exc)) from None
