"""The Review page's "Learn from decisions" panel: fine-tune the encoder in the background, watch
its progress, and see which fine-tuned encoder the reviewer classifiers use."""

from __future__ import annotations

import streamlit as st

from workbench.coding import fine_tune
from workbench.errors import WorkbenchError
from workbench.store.codings import excerpt_verdicts
from workbench.ui.state import settings, show_error, store
from workbench.users import User


def decided_excerpt_count() -> int:
    with store().session() as session:
        return len({excerpt_id for _, excerpt_id, _ in excerpt_verdicts(session)})


def _status_line(status: dict) -> str:
    if status.get("steps"):
        return (f"Fine-tuning: step {status.get('step', 0)} of {status['steps']}, "
                f"{status.get('seconds', 0):.0f} s")
    return f"Fine-tuning: {status.get('message', 'starting')}"


@st.fragment(run_every=3)
def _progress() -> None:
    """Re-drawn every few seconds while a run is under way."""
    status = fine_tune.running(settings().home)
    if status is None:
        st.rerun()
    steps = max(1, int(status.get("steps") or 1))
    st.progress(min(1.0, int(status.get("step") or 0) / steps), text=_status_line(status))


def panel(user: User) -> None:
    home = settings().home
    with st.expander("Learn from decisions: fine-tune the encoder"):
        in_use = fine_tune.adopted_model(fine_tune.models_dir(home), settings().embedding_model)
        if in_use is not None:
            held = in_use.held_back
            st.write(f"The reviewer classifiers use **finetuned/{in_use.model_id}** (from "
                     f"{in_use.excerpts} decided excerpts; held-back macro-F1 "
                     f"{held['tuned_macro_f1']:.2f} against {held['frozen_macro_f1']:.2f} frozen).")
        else:
            st.write("The reviewer classifiers use the installed encoder as it is.")
        if fine_tune.running(home) is not None:
            _progress()
            return
        last = fine_tune.read_status(fine_tune.models_dir(home))
        if last and last.get("state") in ("done", "failed"):
            (st.success if last["state"] == "done" else st.error)(
                f"Last fine-tuning run: {last.get('message', last['state'])}")
        decided = decided_excerpt_count()
        needed = fine_tune.FineTuneSettings().min_excerpts
        limit = settings().fine_tune_seconds
        st.caption(f"{decided} excerpts decided; fine-tuning needs {needed}. It trains a copy of "
                   f"the encoder on the CPU for at most {limit:.0f} s (setting fine_tune_seconds) "
                   "and is used only if it beats the installed one on held-back decisions.")
        if not user.can_edit:
            return
        if st.button("Fine-tune now", key="review_fine_tune", disabled=decided < needed):
            try:
                fine_tune.start_in_background(home, user.name)
            except WorkbenchError as error:
                show_error(error)
                return
            st.rerun()
