"""Analysis of mutsim HDF5 output (layout in docs/OUTPUT.md)."""

from .reader import FormatError, Run, read_run

__all__ = ["FormatError", "Run", "read_run"]
