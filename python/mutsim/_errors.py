"""The exceptions of the mutsim package."""

import re

# The library's messages (sim/config/loader.cpp) start with where the error
# is, then the key path: "FILE:LINE:COLUMN: KEY.PATH: reason", or
# "--set ARGUMENT: KEY.PATH: reason", or "FILE: reason".
_POSITION = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<column>\d+): (?P<rest>.*)$",
                       re.DOTALL)
_FILE_ONLY = re.compile(r"^(?P<file>[^:\n]+): (?P<rest>.*)$", re.DOTALL)
_KEY = re.compile(r"^(?P<key>[A-Za-z_][\w.\[\]*-]*): (?P<reason>.*)$", re.DOTALL)


class ScenarioError(ValueError):
    """A scenario (or sweep, or ``set=`` override) that the library refused.

    ``str(error)`` is the whole message, as ``mutsim validate`` prints it.
    Attributes, each ``None`` where the message does not say:

    - ``file``: the scenario file (``"<string>"`` for scenario text);
    - ``line``, ``column``: 1-based position in ``file``;
    - ``key``: the key path, e.g. ``"population.scale"``;
    - ``override``: the ``KEY=VALUE`` override the error is in;
    - ``reason``: the message without its location and key.
    """

    def __init__(self, message, file=None, line=None, column=None, key=None,
                 override=None, reason=None):
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.key = key
        self.override = override
        self.reason = message if reason is None else reason

    @classmethod
    def from_message(cls, message, overrides=()):
        """Parses the library's message into the attributes."""
        where = {}
        rest = message
        for override in overrides:
            prefix = f"--set {override}: "
            if message.startswith(prefix):
                where["override"] = override
                rest = message[len(prefix):]
                break
        else:
            match = _POSITION.match(message) or _FILE_ONLY.match(message)
            if match:
                where["file"] = match["file"]
                if "line" in match.groupdict():
                    where["line"] = int(match["line"])
                    where["column"] = int(match["column"])
                rest = match["rest"]
        key = _KEY.match(rest)
        if key:
            where["key"] = key["key"]
            rest = key["reason"]
        return cls(message, reason=rest, **where)


class FormatError(ValueError):
    """A file that ``mutsim.open`` cannot read as mutsim output, and why."""

    def __init__(self, path, reason):
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason
