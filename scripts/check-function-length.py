#!/usr/bin/python3
"""Fails when a function in sim/ or analysis/ is longer than 60 lines.

    scripts/check-function-length.py [--max 60] [--top N] [PATH ...]

PATHs default to sim and analysis (from the repository root). A function's
length runs from the first line of its signature to its closing brace (C++)
or from `def` to its last line (Python, by the ast module); lambdas and
nested functions count inside the function that holds them. C++ is read
with comments and literals blanked and braces matched: a brace at
namespace or class scope after a closing parenthesis opens a function.
Prints each function over the limit as FILE:LINE: NAME: N lines and exits
1; with --top, also the N longest functions.
"""

import argparse
import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CXX_SUFFIXES = {".cpp", ".hpp", ".cc", ".h"}
SCOPE = re.compile(r"\b(namespace|class|struct|union|enum)\b")
NAME = re.compile(r"([~\w:<>=!+\-*/\[\]&|^%]+)\s*\(")


def blank_comments_and_literals(text):
    """The text with comments, strings and characters replaced by spaces
    (newlines kept), so braces inside them do not count."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == "R" and text.startswith('R"', i) and (i == 0 or not text[i - 1].isalnum()):
            open_paren = text.find("(", i)
            delimiter = text[i + 2:open_paren]
            j = text.find(")" + delimiter + '"', open_paren)
            j = n if j < 0 else j + len(delimiter) + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c in "\"'" and not (c == "'" and i > 0 and text[i - 1].isalnum()):
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(" " * (min(j + 1, n) - i))
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def cxx_functions(path):
    """(name, first line, length) of each function defined in a C++ file."""
    text = blank_comments_and_literals(path.read_text())
    stack = []  # per open brace: "scope", "function", "block"
    head_start = 0  # where the text before the next brace at this level starts
    found = []
    for i, c in enumerate(text):
        if c in ";":
            if not any(kind in ("function", "block") for kind, _, _ in stack):
                head_start = i + 1
        elif c == "{":
            inside = any(kind == "function" for kind, _, _ in stack)
            head = text[head_start:i]
            if inside:
                kind = "block"
            elif SCOPE.search(head) and "(" not in head.split("{")[-1]:
                kind = "scope"
            elif ")" in head and "=" not in head.split(")")[-1]:
                kind = "function"
            else:
                kind = "block"
            start = head_start + len(head) - len(head.lstrip())
            stack.append((kind, start, head))
            head_start = i + 1
        elif c == "}":
            if not stack:
                continue
            kind, start, head = stack.pop()
            if kind == "function":
                first = text.count("\n", 0, start) + 1
                last = text.count("\n", 0, i) + 1
                match = NAME.findall(head.split("(")[0] + "(")
                found.append((match[-1] if match else "?", first, last - first + 1))
            if not any(k in ("function", "block") for k, _, _ in stack):
                head_start = i + 1
    return found


def python_functions(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found.append((node.name, node.lineno, node.end_lineno - node.lineno + 1))
    return found


def files(paths):
    for base in paths:
        base = Path(base)
        candidates = [base] if base.is_file() else sorted(base.rglob("*"))
        for path in candidates:
            if path.suffix in CXX_SUFFIXES or path.suffix == ".py":
                yield path


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", default=[ROOT / "sim", ROOT / "analysis"])
    parser.add_argument("--max", type=int, default=60)
    parser.add_argument("--top", type=int, default=0)
    args = parser.parse_args(argv)
    rows = []
    for path in files(args.paths):
        measure = python_functions if path.suffix == ".py" else cxx_functions
        shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        rows += [(length, f"{shown}:{line}: {name}") for name, line, length in measure(path)]
    rows.sort(key=lambda row: -row[0])
    for length, where in rows[:args.top]:
        print(f"{length:5d}  {where}")
    over = [(length, where) for length, where in rows if length > args.max]
    for length, where in over:
        print(f"check-function-length: {where}: {length} lines (limit {args.max})",
              file=sys.stderr)
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
