"""The example notebook runs from top to bottom without a cell error."""

import os

import nbformat
import pytest
from nbconvert.preprocessors import CellExecutionError, ExecutePreprocessor

import mutsim
from conftest import REPO

NOTEBOOK = REPO / "examples" / "one-in-six.ipynb"
# The executed copy, with its figures, for a person to open.
EXECUTED = REPO / "build" / "test-artifacts" / "one-in-six.ipynb"


def test_the_example_notebook_runs_without_error(monkeypatch):
    # The kernel imports the module under test and keeps its debugger quiet.
    monkeypatch.setenv("PYTHONPATH", os.path.dirname(os.path.dirname(mutsim.__file__)))
    monkeypatch.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code"), \
        "commit the notebook without outputs"
    runner = ExecutePreprocessor(timeout=600, kernel_name="python3")
    try:
        runner.preprocess(notebook, {"metadata": {"path": str(NOTEBOOK.parent)}})
    except CellExecutionError as error:
        pytest.fail(f"{NOTEBOOK.name}: a cell failed:\n{error}")
    finally:
        EXECUTED.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, EXECUTED)
    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "replicates reach one in six by 2015-12" in text
    assert "moves the median share at 2015-12 further" in text
    figures = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(figures) == 2  # the fan chart against 1/6, the levers compared
    assert not [o for o in outputs if o.output_type == "error"]
