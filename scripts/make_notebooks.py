"""Write the walkthrough notebooks in notebooks/ (clean, no outputs) and their flow picture.

The text and code of each notebook are in scripts/walkthroughs/ (one module a
notebook). Edit them and run this script, rather than editing and saving the
notebooks in JupyterLab (which would store outputs, and perhaps a key). Cell
ids are fixed and meaningful: tests/notebooks finds cells by them.

Each exercise's solution is written folded (a ``<details>`` block) under its
check; ``build(cells, solved=True)`` makes the notebook the tests run, where
each solution is a code cell followed by the check again.

Run:  .venv/bin/python scripts/make_notebooks.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

sys.path.insert(0, str(Path(__file__).resolve().parent))

from walkthroughs import (
    n00_start_here,
    n01_connect,
    n02_subscribers,
    n03_attributes,
    n04_events,
    n05_ecommerce,
    n06_segments,
)
from walkthroughs.common import Cell

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
FLOW_PICTURE = NOTEBOOKS / "images" / "flow.svg"
KERNEL = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}

NOTEBOOK_CELLS: dict[str, list[Cell]] = {
    "00_start_here.ipynb": n00_start_here.CELLS,
    "01_connect.ipynb": n01_connect.CELLS,
    "02_subscribers.ipynb": n02_subscribers.CELLS,
    "03_attributes.ipynb": n03_attributes.CELLS,
    "04_events.ipynb": n04_events.CELLS,
    "05_ecommerce.ipynb": n05_ecommerce.CELLS,
    "06_segments.ipynb": n06_segments.CELLS,
}

FOLDED = """\
<details><summary><b>Solution</b> (click to open; try it yourself first)</summary>

```python
{code}
```

</details>"""


def build(cells: list[Cell], solved: bool = False) -> nbformat.NotebookNode:
    """A notebook from (kind, id, source) triples, with no outputs and no execution counts.

    ``solved``: each solution is a code cell, then the check before it runs again
    (id ``<check id>-after``), so one run shows "not yet" and then "done".
    """
    nb = new_notebook(metadata={"kernelspec": KERNEL, "language_info": {"name": "python"}})
    last_check = None
    for kind, cell_id, source in cells:
        if kind == "solution" and solved:
            nb.cells.append(new_code_cell(source, id=cell_id))
            nb.cells.append(new_code_cell(last_check.source, id=f"{last_check.id}-after"))
        elif kind == "solution":
            nb.cells.append(new_markdown_cell(FOLDED.format(code=source), id=cell_id))
        else:
            make = new_markdown_cell if kind == "md" else new_code_cell
            nb.cells.append(make(source, id=cell_id))
            if cell_id.startswith("check-"):
                last_check = nb.cells[-1]
    nbformat.validate(nb)
    return nb


def flow_svg() -> str:
    """The flow picture every notebook opens with: DataFrame, checks, Attentive, report, ledger."""
    boxes = [
        (10, "your DataFrame", "one row per person,", "event or item"),
        (200, "checks", "phones, emails, columns;", "a dry run stops here"),
        (390, "Attentive", "the sandbox in the demo:", "nothing leaves it"),
        (580, "report", "one line per row:", "status and reason"),
    ]
    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" width="760" height="210" '
        'viewBox="0 0 760 210" font-family="sans-serif" font-size="13">',
        "<title>How a send goes: DataFrame, checks, Attentive, report; the ledger first</title>",
        '<defs><marker id="arrow" markerWidth="10" markerHeight="8" refX="9" refY="4" '
        'orient="auto"><path d="M0,0 L10,4 L0,8 z" fill="#444"/></marker></defs>',
    ]
    for x, title, line1, line2 in boxes:
        parts += [
            f'<rect x="{x}" y="20" width="170" height="74" rx="8" fill="#eef3fb" '
            'stroke="#1a4fd6" stroke-width="1.5"/>',
            f'<text x="{x + 85}" y="44" text-anchor="middle" font-weight="bold">{title}</text>',
            f'<text x="{x + 85}" y="64" text-anchor="middle">{line1}</text>',
            f'<text x="{x + 85}" y="81" text-anchor="middle">{line2}</text>',
        ]
    for x in (180, 370, 560):
        parts.append(
            f'<line x1="{x}" y1="57" x2="{x + 18}" y2="57" stroke="#444" stroke-width="1.5" '
            'marker-end="url(#arrow)"/>'
        )
    parts += [
        '<rect x="200" y="128" width="360" height="74" rx="8" fill="#fff7e0" '
        'stroke="#b38f00" stroke-width="1.5"/>',
        '<text x="380" y="152" text-anchor="middle" font-weight="bold">ledger</text>',
        '<text x="380" y="172" text-anchor="middle">every request is written down before '
        "it leaves,</text>",
        '<text x="380" y="189" text-anchor="middle">so a re-run skips what was sent</text>',
        '<line x1="380" y1="60" x2="380" y2="124" stroke="#444" stroke-width="1.5" '
        'stroke-dasharray="4 3" marker-end="url(#arrow)"/>',
        "</svg>",
    ]
    return "\n".join(parts) + "\n"


def main() -> None:
    for name, cells in NOTEBOOK_CELLS.items():
        ids = [cell_id for _, cell_id, _ in cells]
        assert len(ids) == len(set(ids)), f"{name}: repeated cell id"
        nbformat.write(build(cells), NOTEBOOKS / name)
        print(f"notebooks/{name}: {len(cells)} cells")
    FLOW_PICTURE.parent.mkdir(exist_ok=True)
    FLOW_PICTURE.write_text(flow_svg(), encoding="utf-8")
    print(f"notebooks/images/{FLOW_PICTURE.name}")


if __name__ == "__main__":
    main()
