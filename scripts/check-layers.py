#!/usr/bin/python3
"""Fails when a file in sim/ includes a header of a layer not below its own.

    scripts/check-layers.py build/layers.txt SOURCE_DIR

layers.txt is written by CMakeLists.txt (one line a layer: NAME FOLDER
DEP,DEP,...), so the graph is declared once, where the libraries are. A
layer may include its own folder's headers and those of every layer it
links, directly or through another layer. Prints one line per offending
include, file:line, and exits 1; exits 0 and prints nothing when clean.
"""

import re
import sys
from pathlib import Path

INCLUDE = re.compile(r'^\s*#\s*include\s+"(sim/[^"]+)"')


def read_graph(path):
    folders, deps = {}, {}
    for line in Path(path).read_text().splitlines():
        parts = line.split()
        if not parts:
            continue
        name, folder = parts[0], parts[1]
        folders[name] = folder
        deps[name] = [d for d in (parts[2] if len(parts) > 2 else "").split(",") if d]
    return folders, deps


def below(name, deps, seen=None):
    seen = set() if seen is None else seen
    for dep in deps[name]:
        if dep not in seen:
            seen.add(dep)
            below(dep, deps, seen)
    return seen


def folder_of(header, folder_names):
    """The layer folder holding `header` (the longest matching folder)."""
    parent = str(Path(header).parent)
    return folder_names.get(parent)


def main(argv):
    graph, source = argv[1], Path(argv[2])
    folders, deps = read_graph(graph)
    layer_of_folder = {folder: name for name, folder in folders.items()}
    problems = []
    for name, folder in sorted(folders.items()):
        allowed = {name} | below(name, deps)
        for path in sorted((source / folder).glob("*.[ch]pp")):
            for number, line in enumerate(path.read_text().splitlines(), 1):
                match = INCLUDE.match(line)
                if not match:
                    continue
                target = folder_of(match.group(1), layer_of_folder)
                if target is None:
                    problems.append(f"{path.relative_to(source)}:{number}: includes "
                                    f"{match.group(1)}, which is in no layer")
                elif target not in allowed:
                    problems.append(f"{path.relative_to(source)}:{number}: layer {name} "
                                    f"includes {match.group(1)} of layer {target}, which "
                                    f"is not below it (it links: "
                                    f"{', '.join(sorted(allowed - {name})) or 'nothing'})")
    for problem in problems:
        print(f"check-layers: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
