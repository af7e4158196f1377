"""The README's Python example runs as written."""

import contextlib
import io
import re

from conftest import REPO


def test_the_readme_python_example_runs(tmp_path, monkeypatch):
    readme = (REPO / "README.md").read_text()
    section = readme.split("### From Python", 1)[1]
    example = re.search(r"```python\n(.*?)```", section, re.DOTALL)[1]
    (tmp_path / "scenarios").symlink_to(REPO / "scenarios")
    monkeypatch.chdir(tmp_path)  # its output file goes here
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(example, "README.md", "exec"), {})
    lines = printed.getvalue().splitlines()
    assert lines[0] == "<xarray.Dataset>"
    assert lines[-1] == "True"
    assert (tmp_path / "small.h5").is_file()
