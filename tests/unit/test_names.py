"""A cell run before the one that sets its names: the answer a trainee reads (training/names.py)."""

from __future__ import annotations

import json

from attentive_nb.training import names

CELLS = [
    {"cell_type": "markdown", "id": "intro", "source": "# 2. Subscribers\n\nWhy: ..."},
    {"cell_type": "code", "id": "setup", "source": "import pandas as pd\nconn = att.connect()"},
    {"cell_type": "markdown", "id": "load-why", "source": ["## Read the file\n", "Why: ..."]},
    {"cell_type": "code", "id": "load", "source": "%time\npeople = pd.read_csv('x.csv')"},
    {"cell_type": "code", "id": "use", "source": "for row in people: pass\ndef tidy(): pass"},
]


def test_a_name_from_the_setup_cell_points_to_it_and_to_run_all_above():
    said = names.explain("conn", CELLS, set())
    assert said.startswith("`conn` is not set in this kernel yet: the setup cell at the top")
    assert "Run > Run All Above Selected Cell" in said and "restarts" in said
    assert names.explain("pd", CELLS, set()).count("setup cell") == 1  # import ... as pd


def test_a_name_set_further_down_names_its_section_and_how_the_cell_starts():
    said = names.explain("people", CELLS, set())
    assert 'the cell under "Read the file" (`%time`) sets it' in said  # the magic is skipped
    assert "the cell under" in names.explain("tidy", CELLS, set())
    assert "the cell under" in names.explain("row", CELLS, set())


def test_a_misspelt_name_gets_a_guess_and_an_unknown_one_says_so():
    assert names.explain("peopel", CELLS, set()).endswith("did you mean `people`?")
    assert names.explain("pritn", None, {"print"}).endswith("did you mean `print`?")
    assert "no cell of this notebook sets it" in names.explain("zzz", CELLS, set())
    without_notebook = names.explain("zzz", None, set())
    assert "if a cell above sets it, run that cell first" in without_notebook


def test_the_notebook_is_read_from_its_file_and_a_bad_file_is_no_notebook(tmp_path):
    path = tmp_path / "n.ipynb"
    path.write_text(json.dumps({"cells": CELLS}), encoding="utf-8")
    assert names.notebook_cells(path) == CELLS
    path.write_text("{not json", encoding="utf-8")
    assert names.notebook_cells(path) is None
    assert names.notebook_cells(tmp_path / "missing.ipynb") is None
