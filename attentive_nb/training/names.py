"""What a trainee reads when a cell uses a name no cell has set in this kernel yet.

Run one cell of a walkthrough on a fresh kernel (a notebook opened halfway
down, or the kernel restarted) and Python says only ``NameError: name 'conn'
is not defined``. The kernels of ``attentive-nb demo`` load this IPython
extension (the demo writes it into their IPython profile), which answers in
one line instead: which cell of the notebook sets the name (the setup cell at
the top, or the section it is in), and how to run everything above. The
notebook is the file the kernel was started for (``JPY_SESSION_NAME``, set
by Jupyter); without it the answer is the same, less the cell.

A NameError raised inside a function keeps its traceback: that one is a bug
to find, not a cell to run first.
"""

from __future__ import annotations

import ast
import builtins
import difflib
import json
import os
import re
from pathlib import Path
from typing import Any

RUN_ABOVE = (
    "Run that cell first, or Run > Run All Above Selected Cell to run every cell above "
    "this one, in order (a kernel forgets everything when it restarts)."
)
_RED, _PLAIN = "\x1b[0;31m", "\x1b[0m"
_MAGIC = re.compile(r"^\s*[%!]")  # IPython's %magic and !shell lines are not Python


def load_ipython_extension(shell: Any) -> None:
    """``%load_ext attentive_nb.training.names``: NameErrors answered in words."""
    shell.set_custom_exc((NameError,), _show)


def _show(
    shell: Any, etype: type, value: BaseException, tb: Any, tb_offset: Any = None
) -> list[str]:
    """IPython's custom handler: shows the error itself, as one line or as a traceback."""
    name = getattr(value, "name", None)
    if isinstance(name, str) and _raised_by_the_cell(shell, tb):
        notebook = os.environ.get("JPY_SESSION_NAME") or shell.user_ns.get("__session__")
        cells = notebook_cells(Path(notebook)) if notebook else None
        known = set(shell.user_ns) | set(dir(builtins))
        stb = [f"{_RED}NameError{_PLAIN}: {explain(name, cells, known)}"]
    else:
        stb = shell.InteractiveTB.structured_traceback(etype, value, tb, tb_offset=tb_offset)
    shell._showtraceback(etype, value, stb)
    return stb


def _raised_by_the_cell(shell: Any, tb: Any) -> bool:
    """True when the innermost frame is the cell's own code, not a function it called."""
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    frame = getattr(tb, "tb_frame", None)
    if frame is None:
        return False
    return frame.f_code.co_name == "<module>" and frame.f_globals is shell.user_ns


def explain(name: str, cells: list[dict[str, Any]] | None, known: set[str]) -> str:
    """The one line a trainee reads for ``name``, given the notebook's cells (if known)."""
    setter = _setter(name, cells) if cells else None
    if setter is not None:
        return f"`{name}` is not set in this kernel yet: {setter} sets it. {RUN_ABOVE}"
    guess = difflib.get_close_matches(name, sorted(known | _bound_in(cells or [])), n=1)
    if guess:
        return f"`{name}` is not set in this kernel: did you mean `{guess[0]}`?"
    if cells is not None:
        return f"`{name}` is not set in this kernel, and no cell of this notebook sets it."
    return (
        f"`{name}` is not set in this kernel yet: if a cell above sets it, run that cell "
        "first, or Run > Run All Above Selected Cell (a kernel forgets everything when it "
        "restarts)."
    )


def notebook_cells(path: Path) -> list[dict[str, Any]] | None:
    """The notebook's cells, as saved; None when it cannot be read."""
    try:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return cells if isinstance(cells, list) else None


def _setter(name: str, cells: list[dict[str, Any]]) -> str | None:
    """The first code cell that sets ``name``, in words: where it is and how it starts."""
    heading = ""
    for cell in cells:
        source = _source(cell)
        if cell.get("cell_type") == "markdown":
            heading = next(
                (line.lstrip("#").strip() for line in source.splitlines() if line.startswith("#")),
                heading,
            )
        elif cell.get("cell_type") == "code":
            if name in _bound(source) and cell.get("id") == "setup":
                return "the setup cell at the top of this notebook"
            if name in _bound(source):
                return f'the cell under "{heading}" (`{source.strip().splitlines()[0]}`)'
    return None


def _bound_in(cells: list[dict[str, Any]]) -> set[str]:
    names: set[str] = set()
    for cell in cells:
        if cell.get("cell_type") == "code":
            names |= _bound(_source(cell))
    return names


def _bound(source: str) -> set[str]:
    """The names a cell's code sets: assignments, imports, loops, functions, classes."""
    code = "\n".join("" if _MAGIC.match(line) else line for line in source.splitlines())
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return set()
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
    return names


def _source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)
