"""Read one mutsim HDF5 output file (layout in docs/OUTPUT.md)."""

from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np
import pandas as pd

SUPPORTED_MAJOR = 1
# Beyond format and format_version, what the statistics cannot do without.
REQUIRED_ATTRS = ("target_share", "target_date", "routes")

EVENT_COLUMNS = ["replicate", "month", "kind", "route", "organisation",
                 "service", "staff"]
ORGANISATION_COLUMNS = ["id", "type", "sector", "staff", "services"]


class FormatError(Exception):
    """An input file that this reader refuses to read, and why."""

    def __init__(self, path, reason):
        super().__init__(f"{path}: {reason}")
        self.path = Path(path)
        self.reason = reason


@dataclass
class Run:
    """Everything one mutsim run wrote, loaded into memory.

    ``dates`` are numpy ``datetime64[M]`` ([T]); each series is a float64
    array [R, T]; string attributes and table fields are decoded to ``str``.
    """

    path: Path
    dates: np.ndarray
    series: dict
    attrs: dict
    events: pd.DataFrame
    organisations: pd.DataFrame

    @property
    def name(self):
        """Scenario name: the file stem."""
        return self.path.stem

    @property
    def routes(self):
        return [r for r in self.attrs.get("routes", "").split(",") if r]

    @property
    def target_share(self):
        return float(self.attrs["target_share"])

    @property
    def target_date(self):
        return self.attrs["target_date"]


def read_run(path):
    """Open a mutsim output file and load it, or raise ``FormatError``."""
    path = Path(path)
    if not path.is_file():
        raise FormatError(path, "no such file")
    try:
        h5 = h5py.File(path, "r")
    except OSError as exc:
        raise FormatError(path, f"not an HDF5 file ({exc})") from exc
    with h5:
        attrs = {key: _decode(value) for key, value in h5.attrs.items()}
        _check_format(path, attrs)
        if "time/date" not in h5:
            raise FormatError(path, "missing dataset /time/date")
        dates = np.array(_text(h5["time/date"][()]), dtype="datetime64[M]")
        return Run(path=path, dates=dates,
                   series=_read_series(path, h5, dates.size), attrs=attrs,
                   events=_read_table(h5, "events", EVENT_COLUMNS),
                   organisations=_read_table(h5, "organisations",
                                             ORGANISATION_COLUMNS))


def _check_format(path, attrs):
    if attrs.get("format") != "mutsim":
        raise FormatError(path, "not a mutsim output (root attribute "
                          f"format is {attrs.get('format')!r}, "
                          "expected 'mutsim')")
    version = str(attrs.get("format_version", ""))
    try:
        major = int(version.split(".")[0])
    except ValueError:
        raise FormatError(path, f"unreadable format_version {version!r}, "
                          "expected MAJOR.MINOR") from None
    if major > SUPPORTED_MAJOR:
        raise FormatError(path, f"format_version {version} is newer than "
                          f"this reader supports ({SUPPORTED_MAJOR}.x); "
                          "update mutsim_analysis")
    for key in REQUIRED_ATTRS:
        if key not in attrs:
            raise FormatError(path, f"missing root attribute {key}")


def _read_series(path, h5, months):
    series = {}
    for name, dataset in h5.get("series", {}).items():
        values = np.asarray(dataset[()], dtype=np.float64)
        if values.ndim != 2 or values.shape[1] != months:
            raise FormatError(path, f"/series/{name} has shape "
                              f"{values.shape}, expected [R, {months}]")
        series[name] = values
    return series


def _read_table(h5, name, columns):
    # A run with no events may legitimately write an empty table; tolerate
    # its absence too rather than refusing an otherwise usable file.
    if name not in h5:
        return pd.DataFrame(columns=columns)
    rows = h5[name][()]
    return pd.DataFrame({
        field: _text(rows[field]) if rows.dtype[field].kind in "SOU"
        else rows[field]
        for field in rows.dtype.names
    })


def _text(values):
    # Fixed-length HDF5 strings arrive as bytes, variable-length as str.
    return [v.decode("utf-8") if isinstance(v, bytes) else str(v)
            for v in values]


def _decode(value):
    if isinstance(value, bytes):  # numpy.bytes_ included
        return value.decode("utf-8")
    if isinstance(value, np.generic):
        return value.item()
    return value
