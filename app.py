"""Streamlit entry point: `workbench serve` (or `streamlit run app.py`) starts the app."""

from workbench.ui.main import run

run()
