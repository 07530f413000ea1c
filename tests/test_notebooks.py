"""The analyst notebooks run from top to bottom."""

from __future__ import annotations

import nbformat
import pytest
from conftest import ROOT
from nbclient import NotebookClient


@pytest.mark.parametrize("name", ["rerun_topic_model.ipynb", "evaluate_suggestions.ipynb"])
def test_notebook_runs(name, tmp_path, monkeypatch):
    monkeypatch.delenv("MPLBACKEND", raising=False)  # streamlit, imported by other tests, sets Agg
    monkeypatch.setenv("WORKBENCH_NOTEBOOK_EMBEDDER", "fake")
    monkeypatch.setenv("WORKBENCH_NOTEBOOK_ROUNDS", "2")
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path))
    notebook = nbformat.read(ROOT / "notebooks" / name, as_version=4)
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(ROOT / "notebooks")}}).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert {"rerun_topic_model.ipynb": "stability ",
            "evaluate_suggestions.ipynb": "macro-F1 "}[name] in text
    assert any("image/png" in o.get("data", {}) for o in outputs)
