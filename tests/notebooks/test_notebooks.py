"""Every walkthrough notebook, and every exercise's solution, runs against the sandbox.

Each notebook runs in a real kernel (nbclient) from a temporary copy of
notebooks/, so the ledger and report files it writes stay in tmp. The kernel
inherits the environment `make demo` would give it: the sandbox's URLs and
key. The walkthroughs run as committed, every exercise's check saying "not
yet"; then solved (scripts/make_notebooks.py puts each solution in as code,
followed by its check again), where every check says "done". Checks read the
cells' outputs (found by their fixed cell ids) and what the sandbox received.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from attentive_nb.cli.demo import demo_home

pytestmark = pytest.mark.notebooks

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
COMPANY = "Sandbox Outfitters"


def load_script():
    spec = importlib.util.spec_from_file_location(
        "make_notebooks", ROOT / "scripts/make_notebooks.py"
    )
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    return script


SCRIPT = load_script()


@pytest.fixture
def folder(sandbox, tmp_path, monkeypatch):
    """A copy of notebooks/ and the environment `make demo` gives the kernel (its profile too)."""
    with demo_home() as (_, home_env):
        for name, value in {
            **sandbox.environment(),
            **home_env,
            "JUPYTER_PLATFORM_DIRS": "1",  # silences jupyter_core's path-migration warning
        }.items():
            monkeypatch.setenv(name, value)
        copy = tmp_path / "notebooks"
        shutil.copytree(NOTEBOOKS, copy, ignore=shutil.ignore_patterns(".*"))
        yield copy


def execute(nb: nbformat.NotebookNode, folder: Path, allow_errors: bool = False) -> dict:
    """Run a notebook in a kernel; each code cell's outputs as text, by cell id."""
    NotebookClient(
        nb,
        kernel_name="python3",
        timeout=120,
        allow_errors=allow_errors,
        resources={"metadata": {"path": str(folder)}},
    ).execute()
    return {cell.id: output_text(cell) for cell in nb.cells if cell.cell_type == "code"}


def run(folder: Path, name: str, solved: bool = True) -> dict[str, str]:
    """Execute a walkthrough: solved (built by the script) or as committed."""
    if solved:
        nb = SCRIPT.build(SCRIPT.NOTEBOOK_CELLS[name], solved=True)
    else:
        nb = nbformat.read(folder / name, as_version=4)
    return execute(nb, folder)


def output_text(cell) -> str:
    """Everything a cell showed: printed text, plain and HTML representations."""
    parts = []
    for out in cell.get("outputs", []):
        parts.append(out.get("text", ""))
        data = out.get("data", {})
        parts += [data.get("text/plain", ""), data.get("text/html", ""), *data]  # + mime types
        parts += out.get("traceback", [])
    return "\n".join(parts)


def assert_exercises(out: dict[str, str], *numbers: str) -> None:
    """Each exercise's check said "not yet" before its solution ran and "done" after."""
    for number in numbers:
        slug = number.replace(".", "-")
        assert f"Exercise {number}, not yet:" in out[f"check-{slug}"], out[f"check-{slug}"]
        assert f"Exercise {number}, done:" in out[f"check-{slug}-after"], out[f"check-{slug}-after"]


def test_start_here(folder):
    out = run(folder, "00_start_here.ipynb")
    assert "2.1" in out["progress"] and "not yet" in out["progress"]


def test_connect(folder, sandbox):
    out = run(folder, "01_connect.ipynb")
    assert "ATTENTIVE_API_KEY" in out["where"] and "environment" in out["where"]
    assert "<table>" in out["where"]  # a small table, not a list of dicts
    assert COMPANY in out["connect"] and "a sandbox on this machine" in out["connect"]
    assert "<Connection" not in out["connect"]
    assert "application/vnd.jupyter.widget-view+json" in out["panel"]  # the panel was shown
    assert "not signed in" in out["panel-conn"]
    assert sandbox.company["companyId"] in out["me"]
    assert_exercises(out, "1.1", "1.2")
    assert sandbox.api_key not in "".join(out.values())  # shown masked, never in clear


def test_subscribers(folder, sandbox):
    out = run(folder, "02_subscribers.ipynb")
    assert "invalid 3, would_send 16" in out["dry-run"]
    assert "How each column was read" in out["dry-run"]
    for name in ("Quinn", "Rosa", "Sam"):
        assert name in out["to-retry"]
    assert "phone '55•••42' is not a valid number for region US" in out["reasons"]
    assert "555-0142" not in out["reasons"]
    assert "column 'mobile_no' looks like phone numbers" in out["unrecognised"]
    assert "not used: looks like phone numbers" in out["unrecognised"]
    assert "would_send" in out["fix"] and "invalid" not in out["fix"]
    assert "text_marketing" in out["lookup-before"] and "True" not in out["lookup-before"]
    after = out["lookup-after"]
    assert "Quinn" in after and "True" in after and "<NA>" not in after
    assert "True" not in out["lookup-leaving"] and "False" in out["lookup-leaving"]
    assert "18 rows in 18 requests" in out["send"] and "sent 18" in out["send"]
    assert "NEWLY_CREATED" in out["table"]
    assert "Saved 18 rows to subscribers-report.csv" in out["to-csv"]
    assert "Nothing to send: 18 rows skipped" in out["rerun"] and "skipped 18" in out["rerun"]
    assert "Sending" not in out["rerun"]  # no progress bar when nothing is sent
    assert out["unsubscribe"].count("NEWLY_UNSUBSCRIBED") >= 2
    assert (folder / "subscribers-report.csv").exists()
    assert sandbox.subscribe_count("+12015550142") == 1  # Quinn, fixed; the re-run sent nothing
    unsubscribed = sandbox.received("/v1/subscriptions/unsubscribe")
    assert [u["notification"] for u in unsubscribed] == [{"disabled": True}] * 2
    assert {u["user"]["email"] for u in unsubscribed} == {
        "ben.larsen@example.com",
        "nora.byrne@example.com",
    }
    assert_exercises(out, "2.1", "2.2")
    assert len(sandbox.received("/v1/subscriptions")) == 18 + 3 + 2  # walkthrough, 2.1, 2.2
    assert len(sandbox.received("GET /v1/subscriptions")) == 18 + 18 + 2  # the look-ups


def test_attributes(folder, sandbox):
    out = run(folder, "03_attributes.ipynb")
    assert "would_send 12" in out["dry-run"]
    assert "attribute points" in out["dry-run"] and "left out (columns=)" in out["dry-run"]
    assert "sent 12" in out["send"]
    assert "loyalty_tier" in out["lookup"], out["lookup"]
    assert out["landed"].split()[0] == "True"
    assert "12 rows in 1 request " in out["bulk"] and "submitted 12" in out["bulk"]
    assert "sent 12" in out["refresh"] and "submitted" not in out["refresh"].split("—")[-1]
    assert "COMPLETED" in out["jobs"]
    singles = sandbox.received("/v1/attributes/custom")
    assert "first_name" not in singles[0]["properties"]
    assert singles[0]["properties"]["points"] == 500  # a number, not text
    (bulk,) = sandbox.received("/v2/bulk/user/attributes")
    assert [u["attributes"]["custom"]["points"] for u in bulk["users"]][:1] == [600]
    assert sandbox.attributes("+12015550110")["points"] == 600
    assert_exercises(out, "3.1", "3.2")


def test_events(folder, sandbox):
    out = run(folder, "04_events.ipynb")
    assert "sent 10" in out["send"]
    assert out["rerun"].startswith("Nothing to send: 10 rows skipped")
    assert "skipped 10 (10 rows)" in out["rerun"] and "sent 10 (10 rows)" in out["resend"]
    counts = re.findall(r"^\S+\s+(\d+)$", out["ids"], flags=re.MULTILINE)
    assert counts == ["2"] * 5  # each id arrived twice: the first send and resend=True
    received = [e for e in sandbox.received("/v1/events/custom") if e["type"] == "Order Shipped"]
    assert len(received) == 20
    assert all(e["occurredAt"] for e in received)
    assert_exercises(out, "4.1", "4.2")


def test_ecommerce(folder, sandbox):
    out = run(folder, "05_ecommerce.ipynb")
    assert "sent 15" in out["purchase"]
    purchases = sandbox.received("/v1/events/ecommerce/purchase")
    walkthrough = [p for p in purchases if p["orderId"].startswith("A-")]
    assert len(walkthrough) == 8  # eight orders from fifteen lines
    assert sum(len(p["items"]) for p in walkthrough) == 15
    assert len(sandbox.received("/v1/events/ecommerce/add-to-cart")) == 8
    assert "sent" in out["view"]
    assert_exercises(out, "5.1", "5.2")


def test_segments(folder, sandbox):
    out = run(folder, "06_segments.ipynb")
    assert "+8 added, -0 removed, 0 unchanged (would be sent)" in out["dry"]
    assert sandbox.received("/v2/bulk/segments/members")[0]["members"]  # after the dry run
    assert re.search(r"sent\s+8", out["sync"]) and "Lapsed buyers" in out["segments"]
    assert out["removed-first"].strip() == "None"
    assert "+3 added, -3 removed, 5 unchanged" in out["week"]
    assert out["week-removed"].count("•") >= 3  # masked
    (external_id,) = re.findall(r"^0\s+(\S+)\s+Lapsed buyers$", out["segments"], re.MULTILINE)
    phones = {m.get("phone") for m in sandbox.segment_members(external_id)}
    assert len(phones) == 8 and "+12015550110" not in phones and "+14045550118" in phones
    assert "skipped 8" in out["rerun"] or "Nothing to send" in out["rerun"], out["rerun"]
    assert_exercises(out, "6.1", "6.2")


def test_the_notebooks_as_committed_run_and_their_checks_say_not_yet(folder):
    for name, cells in SCRIPT.NOTEBOOK_CELLS.items():
        out = run(folder, name, solved=False)
        checks = [cell_id for _, cell_id, _ in cells if cell_id.startswith("check-")]
        assert len(checks) == (0 if name.startswith("00") else 2), name
        for cell_id in checks:
            assert ", not yet:" in out[cell_id], (name, out[cell_id])
        assert not [text for text in out.values() if "Traceback" in text], name


#: A later cell of each walkthrough, run first on a fresh kernel (or after a restart): the
#: first name it lacks, and the start of where it says that name is set.
SETUP = "the setup cell at the top of this notebook sets it."
RUN_FIRST = [
    ("01_connect.ipynb", "me", "conn", 'the cell under "Sign in" (`conn = att.connect()`) sets'),
    ("01_connect.ipynb", "check-1-1", "training", 'the cell under "Exercises"'),
    ("02_subscribers.ipynb", "check-2-1", "training", SETUP),
    ("02_subscribers.ipynb", "table", "report", 'the cell under "Send" (`report = conn.send_'),
    ("03_attributes.ipynb", "send", "conn", SETUP),
    ("04_events.ipynb", "ids", "training", SETUP),
    ("05_ecommerce.ipynb", "view-table", "views", "the cell under"),
    ("06_segments.ipynb", "week-removed", "week", "the cell under"),
    ("06_segments.ipynb", "check-6-2", "training", SETUP),
]


def test_a_later_cell_run_first_says_which_cell_to_run_first_in_a_line(folder, monkeypatch):
    """One fresh kernel a notebook runs the cells alone; a bug in a function keeps its traceback."""
    for name in sorted({name for name, *_ in RUN_FIRST}):
        monkeypatch.setenv("JPY_SESSION_NAME", str(folder / name))  # as Jupyter tells a kernel
        cells = {c.id: c for c in nbformat.read(folder / name, as_version=4).cells}
        nb = nbformat.v4.new_notebook()
        nb.cells = [cells[cell_id] for n, cell_id, *_ in RUN_FIRST if n == name]
        nb.cells.append(nbformat.v4.new_code_cell("def f():\n    return nowhere\n\nf()", id="bug"))
        out = execute(nb, folder, allow_errors=True)
        for n, cell_id, missing, where in RUN_FIRST:
            if n != name:
                continue
            text = re.sub(r"\x1b\[[0-9;]*m", "", out[cell_id]).strip()  # without colours
            said = f"NameError: `{missing}` is not set in this kernel yet: {where}"
            assert text.startswith(said) and "Run All Above Selected Cell" in text, text
            assert "Traceback" not in text and len(text.splitlines()) == 1, text
        assert "Traceback" in out["bug"] and "name 'nowhere' is not defined" in out["bug"]


def test_a_usage_error_is_one_line_and_tb_shows_where(folder):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(source, id=cell_id)
        for cell_id, source in (
            ("setup", "import pandas as pd\nimport attentive_nb as att\nconn = att.connect()"),
            ("typo", 'conn.send_subscribers(pd.DataFrame(), sign_up_sorce_id="1")'),
            ("tb", "%tb"),
        )
    ]
    out = execute(nb, folder, allow_errors=True)
    lines = [line for line in out["typo"].splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in out["typo"], out["typo"]
    assert "ArgumentError" in lines[0] and "did you mean sign_up_source_id=?" in lines[0]
    assert "Traceback" in out["tb"] and "send_subscribers" in out["tb"]


def test_notebooks_are_committed_clean():
    """No outputs or execution counts, and the same as scripts/make_notebooks.py writes."""
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == sorted(SCRIPT.NOTEBOOK_CELLS)
    for name, cells in SCRIPT.NOTEBOOK_CELLS.items():
        nb = nbformat.read(NOTEBOOKS / name, as_version=4)
        for cell in nb.cells:
            assert not cell.get("outputs") and cell.get("execution_count") is None, name
        assert nb == SCRIPT.build(cells), f"{name} differs: run scripts/make_notebooks.py"
    picture = (NOTEBOOKS / "images" / "flow.svg").read_text(encoding="utf-8")
    assert picture == SCRIPT.flow_svg(), "flow.svg differs: run scripts/make_notebooks.py"


def test_every_walkthrough_teaches_links_checks_and_points_on():
    for name, cells in SCRIPT.NOTEBOOK_CELLS.items():
        text = "\n".join(source for _, _, source in cells)
        assert "images/flow.svg" in text and "https://docs.attentive" in text, name
        if name.startswith("00"):
            continue
        assert "**You will learn to**" in text and "## Recap" in text, name
        assert sum(cell_id.startswith("check-") for _, cell_id, _ in cells) == 2, name
        assert sum(kind == "solution" for kind, _, _ in cells) == 2, name
        number = int(name[:2])
        if number < 6:
            assert f"**Next:** [0{number + 1}_" in text, name
