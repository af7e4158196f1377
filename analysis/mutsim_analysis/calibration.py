"""Read the HDF5 files of `mutsim calibrate` and `mutsim sensitivity`
(layouts in docs/CALIBRATION.md), with the checks of ``reader.read_run``:
the format and its major version, every dataset the report uses present
and readable (a damaged chunk fails its Fletcher32 checksum), and
dimensions that agree with each other. Anything else raises
``FormatError`` naming the file and the object.
"""

from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .reader import FormatError, check_version, open_h5, read_attrs, read_dataset

CALIBRATION_FORMAT = "mutsim-calibration"
SENSITIVITY_FORMAT = "mutsim-sensitivity"


@dataclass
class Calibration:
    """An ABC calibration: N particles, K parameters, S targets, G generations."""

    path: Path
    attrs: dict
    parameters: dict   # names, source [K] (str); lower, upper [K]
    targets: dict      # ids, quantity, comparison, source [S]; observed, tolerance [S]
    particles: np.ndarray   # [N, K]
    weights: np.ndarray     # [N]
    distances: np.ndarray   # [N]
    simulated: np.ndarray   # [N, S]
    generations: dict       # epsilon, accepted, evaluated, ess [G]


@dataclass
class Sensitivity:
    """A Morris screening: K parameters, O outputs, M design points."""

    path: Path
    attrs: dict
    parameters: dict   # names [K] (str); lower, upper [K]
    outputs: dict      # names, quantity [O] (str)
    points: int        # M
    mu_star: np.ndarray  # [K, O]
    mu: np.ndarray
    sigma: np.ndarray
    rank: np.ndarray


def strings(values):
    """Decoded text of a dataset of fixed- or variable-length strings."""
    return [v.decode() if isinstance(v, bytes) else str(v) for v in values]


class _File:
    """One open file: datasets read whole, with their expected dimensions."""

    def __init__(self, path, h5):
        self.path, self.h5 = path, h5

    def fail(self, name, problem):
        raise FormatError(self.path, f"/{name}: {problem}")

    def array(self, name, shape):
        values = np.asarray(read_dataset(self.path, self.h5, name))
        if values.shape != tuple(shape):
            self.fail(name, "does not have the dimensions the rest of the file "
                      "says (" + " x ".join(str(d) for d in shape) + " expected)")
        return values

    def text(self, name, length):
        return strings(self.array(name, (length,)))

    def length(self, name):
        values = np.asarray(read_dataset(self.path, self.h5, name))
        if values.ndim != 1:
            self.fail(name, "is not a list (1-D)")
        return values.shape[0]


def _parameters(f):
    k = f.length("parameters/names")
    return {"names": f.text("parameters/names", k),
            "source": f.text("parameters/source", k),
            "lower": f.array("parameters/lower", (k,)).astype(float),
            "upper": f.array("parameters/upper", (k,)).astype(float)}


def _targets(f):
    s = f.length("targets/ids")
    out = {key: f.text(f"targets/{key}", s)
           for key in ("ids", "quantity", "comparison", "source")}
    for key in ("observed", "tolerance"):
        out[key] = f.array(f"targets/{key}", (s,)).astype(float)
    return out


def _generations(f):
    g = f.length("generations/epsilon")
    return {key: f.array(f"generations/{key}", (g,))
            for key in ("epsilon", "accepted", "evaluated", "ess")}


@contextmanager
def _opened(path, fmt):
    """The open file of format `fmt`, its root attributes and its parameters."""
    with open_h5(path) as h5:
        attrs = read_attrs(path, h5)
        check_version(path, attrs, fmt)
        f = _File(path, h5)
        yield f, attrs, _parameters(f)


def read_calibration(path):
    """Load a calibration file, or raise ``FormatError``."""
    path = Path(path)
    with _opened(path, CALIBRATION_FORMAT) as (f, attrs, parameters):
        h5 = f.h5
        targets = _targets(f)
        k, s = len(parameters["names"]), len(targets["ids"])
        particles = np.asarray(read_dataset(path, h5, "particles"))
        if particles.ndim != 2 or particles.shape[1] != k:
            f.fail("particles", "does not have one column per parameter")
        n = particles.shape[0]
        return Calibration(
            path=path, attrs=attrs, parameters=parameters, targets=targets,
            particles=particles.astype(float),
            weights=f.array("weights", (n,)).astype(float),
            distances=f.array("distances", (n,)).astype(float),
            simulated=f.array("simulated", (n, s)).astype(float),
            generations=_generations(f))


def read_sensitivity(path):
    """Load a sensitivity file, or raise ``FormatError``."""
    path = Path(path)
    with _opened(path, SENSITIVITY_FORMAT) as (f, attrs, parameters):
        h5 = f.h5
        o = f.length("outputs/names")
        k = len(parameters["names"])
        points = np.asarray(read_dataset(path, h5, "design/points"))
        if points.ndim != 2 or points.shape[1] != k:
            f.fail("design/points", "does not have one column per parameter")
        return Sensitivity(
            path=path, attrs=attrs, parameters=parameters,
            outputs={"names": f.text("outputs/names", o),
                     "quantity": f.text("outputs/quantity", o)},
            points=points.shape[0],
            **{key: f.array(f"morris/{key}", (k, o))
               for key in ("mu_star", "mu", "sigma", "rank")})
