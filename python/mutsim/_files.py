"""mutsim.open: any mutsim output file as an xarray.Dataset.

The dimensions of each series are read from the file's netCDF dimension
scales (format 1.1, docs/OUTPUT.md), so a layout with more dimensions (an
ensemble's ``draw``) opens without change here; format-1.0 files, which
have none, get the dimensions their layout defines.
"""

from pathlib import Path

import h5py
import numpy as np
import xarray as xr

from ._errors import FormatError

SUPPORTED_MAJOR = 1
# The files' month dimension is `month` (HDF5 cannot also name it `time`,
# the group of format 1.0); in Python it is `time`, as modellers expect.
FILE_TIME, TIME = "month", "time"
# Format-1.0 files carry no dimension scales: their documented layouts.
LEGACY_DIMS = {
    "mutsim": ("replicate", TIME),
    "mutsim-sweep": ("point", "replicate", TIME),
}
LEGACY_TABLES = {"events": "event", "organisations": "organisation", "points": "point"}
# HDF5 and netCDF bookkeeping, not worth an attribute in the Dataset.
HIDDEN_ATTRS = {"DIMENSION_LIST", "REFERENCE_LIST", "CLASS", "NAME", "_Netcdf4Dimid",
                "_Netcdf4Coordinates", "coordinates", "_Encoding"}


def open_file(path, tables=True):
    """Reads a mutsim file (run, sweep; format 1.x) into memory as a Dataset.

    Dimensions ``replicate`` and ``time`` (sweeps: ``point`` first); the
    dates as the ``time`` coordinate (first day of each month) and as the
    ``date`` labels (``YYYY-MM``); each series' ``units``, ``long_name``,
    ``unit`` and ``description`` as its attributes; the file's provenance
    (scenario text, seed, versions, ...) as the Dataset's attributes. A
    sweep's ``/points`` columns become coordinates along ``point``. With
    ``tables``, the event and organisation tables become variables
    ``event_FIELD`` along ``event`` and ``organisation_FIELD`` along
    ``organisation``. Raises FormatError for a file that is not mutsim output.
    """
    path = Path(path)
    if not path.is_file():
        raise FormatError(path, "no such file")
    try:
        h5 = h5py.File(path, "r")
    except OSError as exc:
        raise FormatError(path, f"not an HDF5 file ({exc})") from None
    with h5:
        attrs = {key: _decode(value) for key, value in h5.attrs.items()}
        kind = _check_format(path, attrs)
        dates = _dates(path, h5, kind)
        data_vars, coords = {}, _time_coords(dates)
        for name, dataset in h5.get("series", {}).items():
            dims = _dims(path, dataset, kind)
            data_vars[name] = xr.Variable(dims, dataset[()], _attrs(dataset))
        for table, dim in _tables(h5).items():
            if dim in _series_dims(data_vars):
                coords.update(_columns(h5[table], dim, prefix=""))
            elif tables:
                data_vars.update(_columns(h5[table], dim, prefix=f"{dim}_"))
        for dim in _series_dims(data_vars):
            if dim not in coords:
                coords[dim] = _index(h5, dim, _size(data_vars, dim))
        if tables and "organisations_sampled" in h5:
            # Format 1.3: which organisations each replicate simulated.
            data_vars["organisation_sampled"] = xr.Variable(
                ("replicate", "organisation"), h5["organisations_sampled"][()])
    dataset = xr.Dataset(data_vars, coords, attrs)
    dataset.encoding["source"] = str(path)
    return dataset


def _check_format(path, attrs):
    kind = str(attrs.get("format", ""))
    if not kind.startswith("mutsim"):
        raise FormatError(path, f"not a mutsim output (root attribute format is {kind!r})")
    version = str(attrs.get("format_version", ""))
    try:
        major = int(version.split(".")[0])
    except ValueError:
        raise FormatError(path, f"unreadable format_version {version!r}") from None
    if major > SUPPORTED_MAJOR:
        raise FormatError(path, f"format_version {version} is newer than this mutsim "
                          f"reads ({SUPPORTED_MAJOR}.x); update mutsim")
    return kind


def _dates(path, h5, kind):
    if "time/date" not in h5:
        raise FormatError(path, f"no dataset /time/date in this {kind} file: mutsim.open reads "
                          "the time series of run and sweep files (a calibration or "
                          "sensitivity file has none; read it with h5py)")
    return [_text(value) for value in h5["time/date"][()]]


def _time_coords(dates):
    months = np.array(dates, dtype="datetime64[M]")
    time = xr.Variable(TIME, months.astype("datetime64[ns]"),
                       {"standard_name": "time",
                        "long_name": "month (labelled by its first day; values are the "
                                     "state at its end)"})
    return {TIME: time, "date": xr.Variable(TIME, np.array(dates, dtype=str),
                                            {"long_name": "month (YYYY-MM)"})}


def _dims(path, dataset, kind):
    scales = [dim[0].name.rsplit("/", 1)[-1] if len(dim) else None for dim in dataset.dims]
    if all(scales):
        return tuple(TIME if name == FILE_TIME else name for name in scales)
    legacy = LEGACY_DIMS.get(kind)
    if legacy is None or len(legacy) != dataset.ndim:
        raise FormatError(path, f"{dataset.name} has {dataset.ndim} dimensions and no "
                          "dimension scales naming them")
    return legacy


def _attrs(dataset):
    return {key: _decode(value) for key, value in dataset.attrs.items()
            if key not in HIDDEN_ATTRS}


def _tables(h5):
    """Root compound tables and the dimension their rows run along."""
    found = {}
    for name, dataset in h5.items():
        if not isinstance(dataset, h5py.Dataset) or dataset.dtype.names is None:
            continue
        dims = dataset.dims[0] if dataset.ndim == 1 else ()
        found[name] = (dims[0].name.rsplit("/", 1)[-1] if len(dims)
                       else LEGACY_TABLES.get(name, name))
    return found


def _columns(dataset, dim, prefix):
    rows = dataset[()]
    # A field named as the dimension (the `point` of /points) is its coordinate.
    return {field if field == dim else f"{prefix}{field}": xr.Variable(dim, _column(rows[field]))
            for field in rows.dtype.names}


def _column(values):
    if values.dtype.kind in "SO":
        return np.array([_text(v) for v in values], dtype=str)
    return values


def _series_dims(data_vars):
    dims = []
    for variable in data_vars.values():
        if variable.ndim > 1 or TIME in variable.dims:
            dims += [d for d in variable.dims if d not in dims and d != TIME]
    return dims


def _size(data_vars, dim):
    return next(v.sizes[dim] for v in data_vars.values() if dim in v.dims)


def _index(h5, dim, size):
    """A dimension's coordinate: its scale's values, else 0..size-1."""
    if dim in h5 and isinstance(h5[dim], h5py.Dataset) and h5[dim].shape == (size,):
        values = h5[dim][()]
        return xr.Variable(dim, values, _attrs(h5[dim]))
    return xr.Variable(dim, np.arange(size, dtype=np.uint32))


def _text(value):
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _decode(value):
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, np.generic):
        return value.item()
    return value
