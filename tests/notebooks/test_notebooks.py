"""Every walkthrough notebook runs top to bottom against the sandbox and shows what it should.

Each notebook runs in a real kernel (nbclient) from a temporary copy of
notebooks/, so the ledger and report files it writes stay in tmp. The
kernel inherits the environment `make demo` would give it: the sandbox's
URLs and key. Checks read the cells' outputs (found by their fixed cell
ids, see scripts/make_notebooks.py) and what the sandbox received.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = pytest.mark.notebooks

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
COMPANY = "Sandbox Outfitters"


@pytest.fixture
def folder(sandbox, tmp_path, monkeypatch):
    """A copy of notebooks/ and the environment `make demo` gives the kernel."""
    for name, value in {
        **sandbox.environment(),
        "JUPYTER_PLATFORM_DIRS": "1",  # silences jupyter_core's path-migration warning
    }.items():
        monkeypatch.setenv(name, value)
    copy = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS, copy, ignore=shutil.ignore_patterns(".*"))
    return copy


def run(folder: Path, name: str) -> dict[str, str]:
    """Execute a notebook; return each code cell's outputs as text, by cell id."""
    nb = nbformat.read(folder / name, as_version=4)
    NotebookClient(
        nb, kernel_name="python3", timeout=120, resources={"metadata": {"path": str(folder)}}
    ).execute()
    return {cell.id: output_text(cell) for cell in nb.cells if cell.cell_type == "code"}


def output_text(cell) -> str:
    """Everything a cell showed: printed text, plain and HTML representations."""
    parts = []
    for out in cell.get("outputs", []):
        parts.append(out.get("text", ""))
        data = out.get("data", {})
        parts += [data.get("text/plain", ""), data.get("text/html", ""), *data]  # + mime types
    return "\n".join(parts)


def test_connect(folder, sandbox):
    out = run(folder, "01_connect.ipynb")
    assert "ATTENTIVE_API_KEY" in out["where"]
    assert COMPANY in out["connect"]
    assert "application/vnd.jupyter.widget-view+json" in out["panel"]  # the panel was shown
    assert "not signed in" in out["panel-conn"]
    assert sandbox.company["companyId"] in out["me"]
    assert sandbox.api_key not in "".join(out.values())  # shown masked, never in clear


def test_subscribers(folder, sandbox):
    out = run(folder, "02_subscribers.ipynb")
    assert "invalid 3, would_send 16" in out["dry-run"]
    for name in ("Quinn", "Rosa", "Sam"):
        assert name in out["to-retry"]
    assert "not a valid number for region US" in out["reasons"]
    assert "would_send" in out["fix"] and "invalid" not in out["fix"]
    assert "sent 18" in out["send"] and "NEWLY_CREATED" in out["table"]
    assert "skipped 18" in out["rerun"]
    assert out["unsubscribe"].count("NEWLY_UNSUBSCRIBED") >= 2
    assert (folder / "subscribers-report.csv").exists()
    assert len(sandbox.received("/v1/subscriptions")) == 18  # the re-run sent nothing
    assert sandbox.subscribe_count("+12015550142") == 1  # Quinn, fixed
    unsubscribed = sandbox.received("/v1/subscriptions/unsubscribe")
    assert [u["notification"] for u in unsubscribed] == [{"disabled": True}] * 2
    assert {u["user"]["email"] for u in unsubscribed} == {
        "ben.larsen@example.com",
        "nora.byrne@example.com",
    }


def test_attributes(folder, sandbox):
    out = run(folder, "03_attributes.ipynb")
    assert "would_send 12" in out["dry-run"]
    assert "sent 12" in out["send"] and "sent 12" in out["bulk"]
    singles = sandbox.received("/v1/attributes/custom")
    assert len(singles) == 12
    assert "first_name" not in singles[0]["properties"]
    assert singles[0]["properties"]["points"] == 500  # a number, not text
    (bulk,) = sandbox.received("/v2/bulk/user/attributes")
    assert [u["attributes"]["custom"]["points"] for u in bulk["users"]][:1] == [600]
    assert sandbox.attributes("+12015550110")["points"] == 600


def test_events(folder, sandbox):
    out = run(folder, "04_events.ipynb")
    assert "same ids in both runs: True" in out["ids"]
    assert "sent 10" in out["send"]
    assert "'skipped': 10" in out["rerun"] and "'sent': 10" in out["resend"]
    received = sandbox.received("/v1/events/custom")
    assert len(received) == 20
    first, resent = received[:10], received[10:]
    assert sorted(e["externalEventId"] for e in first) == sorted(
        e["externalEventId"] for e in resent
    )
    assert all(e["type"] == "Order Shipped" and e["occurredAt"] for e in received)


def test_ecommerce(folder, sandbox):
    out = run(folder, "05_ecommerce.ipynb")
    assert "sent 15" in out["purchase"]
    purchases = sandbox.received("/v1/events/ecommerce/purchase")
    assert len(purchases) == 8  # eight orders from fifteen lines
    assert sum(len(p["items"]) for p in purchases) == 15
    assert all(p["orderId"].startswith("A-") for p in purchases)
    assert len(sandbox.received("/v1/events/ecommerce/add-to-cart")) == 8
    assert len(sandbox.received("/v1/events/ecommerce/product-view")) == 15
    assert "sent" in out["view"]


def test_notebooks_are_committed_clean():
    """No outputs or execution counts, and the same as scripts/make_notebooks.py writes."""
    spec = importlib.util.spec_from_file_location(
        "make_notebooks", ROOT / "scripts/make_notebooks.py"
    )
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == sorted(script.NOTEBOOK_CELLS)
    for name, cells in script.NOTEBOOK_CELLS.items():
        nb = nbformat.read(NOTEBOOKS / name, as_version=4)
        for cell in nb.cells:
            assert not cell.get("outputs") and cell.get("execution_count") is None, name
        assert nb == script.build(cells), f"{name} differs: run scripts/make_notebooks.py"
