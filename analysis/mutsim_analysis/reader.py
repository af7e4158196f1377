"""Read one mutsim HDF5 output file (layout in docs/OUTPUT.md)."""

from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np
import pandas as pd

SUPPORTED_MAJOR = 1
# Beyond format and format_version, what the statistics cannot do without.
REQUIRED_ATTRS = ("target_share", "target_date", "routes")
# Every object a run file has (docs/OUTPUT.md).
REQUIRED_OBJECTS = ("time/date", "series", "events", "organisations")

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


def open_h5(path):
    """Open an HDF5 file read-only, or raise ``FormatError`` saying why not."""
    path = Path(path)
    if not path.is_file():
        raise FormatError(path, "no such file")
    try:
        return h5py.File(path, "r")
    except OSError as exc:
        if "truncated" in str(exc):
            raise FormatError(path, "/: cannot be opened: the file is damaged "
                              "(truncated: shorter than its own header says)"
                              ) from None
        raise FormatError(path, "not an HDF5 file (or cannot be opened)") from None


def _damage(exc):
    text = str(exc).lower()
    if "checksum" in text or "filter" in text:
        return "the file is damaged (a checksum does not match the stored data)"
    if "truncated" in text or "addr overflow" in text:
        return "the file is damaged (truncated: shorter than its own header says)"
    return "the file is damaged or not as mutsim writes it"


def read_dataset(path, h5, name):
    """The whole dataset ``name``, or ``FormatError`` naming the file and the
    object when it is missing or cannot be read (a damaged chunk fails its
    Fletcher32 checksum)."""
    if name not in h5:
        raise FormatError(path, f"/{name}: missing (the file is incomplete or "
                          "not as mutsim writes it)")
    try:
        return h5[name][()]
    except (OSError, KeyError, ValueError) as exc:
        raise FormatError(path, f"/{name}: cannot be read: {_damage(exc)}"
                          ) from None


def read_attrs(path, obj):
    """Attributes of ``obj`` decoded to str and Python numbers."""
    try:
        return {key: _decode(value) for key, value in obj.attrs.items()}
    except OSError as exc:
        raise FormatError(path, f"{obj.name}: attributes cannot be read: "
                          f"{_damage(exc)}") from None


def require_attr(path, attrs, name):
    """A root attribute, or ``FormatError`` naming it when it is missing."""
    if name not in attrs:
        raise FormatError(path, f"root attribute {name}: missing")
    return attrs[name]


def check_version(path, attrs, fmt):
    """Refuse a file of another format or a newer major version."""
    if attrs.get("format") != fmt:
        raise FormatError(path, f"not a {fmt} output (root attribute format is "
                          f"{attrs.get('format')!r}, expected {fmt!r})")
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


def read_run(path):
    """Open a mutsim output file and load it, or raise ``FormatError``.

    Every dataset is read whole, so a damaged chunk anywhere is found; the
    series must have as many rows as the root attribute ``replicates`` says
    and as many columns as /time/date has months.
    """
    path = Path(path)
    with open_h5(path) as h5:
        attrs = read_attrs(path, h5)
        _check_format(path, attrs)
        for name in REQUIRED_OBJECTS:
            if name not in h5:
                raise FormatError(path, f"/{name}: missing (the file is "
                                  "incomplete or not as mutsim writes it)")
        dates = np.array(_text(read_dataset(path, h5, "time/date")),
                         dtype="datetime64[M]")
        series = _read_series(path, h5, dates.size,
                              attrs.get("replicates"))
        events = _read_table(path, h5, "events", EVENT_COLUMNS)
        return Run(path=path, dates=dates, series=series, attrs=attrs,
                   events=_with_weights(events, attrs),
                   organisations=_read_table(path, h5, "organisations",
                                             ORGANISATION_COLUMNS))


def _with_weights(events, attrs):
    """Format 1.3 writes each event's weight. Earlier files sampled units,
    not organisations: a unit-level event then stood for 1/scale events and
    a whole-organisation one for 1, which is the weight given them here."""
    if "weight" in events.columns:
        return events
    events = events.copy()
    scale = float(attrs.get("scale", 1.0))
    whole = events.get("whole_organisation", pd.Series(0, index=events.index))
    events["weight"] = np.where(whole.astype(bool), 1.0, 1.0 / scale)
    return events


def _check_format(path, attrs):
    check_version(path, attrs, "mutsim")
    for key in REQUIRED_ATTRS:
        if key not in attrs:
            raise FormatError(path, f"missing root attribute {key}")


def _read_series(path, h5, months, replicates):
    series = {}
    for name in h5["series"]:
        values = np.asarray(read_dataset(path, h5, f"series/{name}"),
                            dtype=np.float64)
        if values.ndim != 2 or values.shape[1] != months:
            raise FormatError(path, f"/series/{name}: has a different number "
                              "of columns from the months in /time/date")
        if replicates is not None and values.shape[0] != replicates:
            raise FormatError(path, f"/series/{name}: has a different number "
                              "of rows from the root attribute replicates")
        series[name] = values
    return series


def _read_table(path, h5, name, columns):
    rows = read_dataset(path, h5, name)
    if rows.dtype.names is None:
        raise FormatError(path, f"/{name}: is not a table")
    return pd.DataFrame({
        field: _text(rows[field]) if rows.dtype[field].kind in "SOU"
        else rows[field]
        for field in rows.dtype.names
    } or {column: [] for column in columns})


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
