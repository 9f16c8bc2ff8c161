"""A notebook saved with its widget state (as JupyterLab does) holds no secret.

The kernel reads the key from a file, so the only way the secret could reach
the saved .ipynb is through outputs or widget state: exactly what is tested.
"""

from __future__ import annotations

import json

import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = [pytest.mark.notebooks, pytest.mark.sandbox]

SETUP = """\
import os, pathlib
os.environ["ATTENTIVE_API_URL"] = {url!r}
import attentive_nb as att
from attentive_nb.signin.panel import SignInPanel
secret = pathlib.Path("secret.txt").read_text().strip()
"""

CARD = "conn = att.connect(api_key=secret)\nconn"

PANEL = """\
panel = SignInPanel()
display(panel.widget)
panel.api_key.value = secret
panel.connect_button.click()
panel.client_secret.value = secret
panel.link_button.click()
print(panel.status.value, panel.connection)
"""


def test_saved_notebook_with_widget_state_has_no_secret(sandbox, tmp_path):
    (tmp_path / "secret.txt").write_text(sandbox.api_key)
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(source) for source in (SETUP.format(url=sandbox.url), CARD, PANEL)
    ]
    client = NotebookClient(
        nb,
        kernel_name="python3",
        store_widget_state=True,
        timeout=120,
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()
    path = tmp_path / "saved.ipynb"
    nbformat.write(nb, path)
    text = path.read_text()

    assert sandbox.api_key not in text
    state = json.loads(text)["metadata"]["widgets"]["application/vnd.jupyter.widget-state+json"]
    values = [model["state"].get("description") for model in state["state"].values()]
    assert "API key" in values and "Client secret" in values  # the panel's state was saved
    assert sandbox.company["companyName"] in text  # the sign-in did happen
    outputs = "".join(json.dumps(cell.get("outputs", [])) for cell in nb.cells)
    assert "Connected to a sandbox on this machine" in outputs and "Traceback" not in outputs
