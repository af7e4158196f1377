"""mutsim from Python: run scenarios and sweeps, open their files as xarray Datasets.

    import mutsim
    ds = mutsim.run("scenarios/baseline.yaml", set={"population.scale": 0.1}, replicates=10)
    ds.share_in_mutuals.quantile([0.05, 0.5, 0.95], dim="replicate")

Build with ``make build`` and import with ``PYTHONPATH=build/python``, or
``make install-python`` (docs/PYTHON.md).
"""

from . import _core
from ._api import OutputError, Scenario, run, sweep, validate
from ._errors import FormatError, ScenarioError
from ._files import open_file as open  # noqa: A001  (mutsim.open, as xarray.open_dataset)

_BUILD = _core.build_info()
__version__ = _BUILD["mutsim_version"]
git_commit = _BUILD["git_commit"]
FORMAT_VERSION = _BUILD["format_version"]

__all__ = ["run", "open", "validate", "sweep", "Scenario", "ScenarioError", "OutputError",
           "FormatError", "FORMAT_VERSION", "git_commit", "__version__"]
