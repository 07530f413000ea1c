"""Review queue: one suggested theme at a time, with its evidence; confirm, reject, recode, code by
hand, adjust the span, memo, undo or skip; or decide every theme of the excerpt at once; and
fine-tune the encoder on the decisions (:mod:`workbench.ui.fine_tune`). Every decision is
recorded under the reviewer's name."""

from __future__ import annotations

import html

import streamlit as st

from workbench.analysis.runs import list_runs
from workbench.coding import review
from workbench.coding.queue import QueueItem, latest_batch, review_queue
from workbench.coding.themes import stored_codebook
from workbench.corpus.metadata import FILTER_FIELDS, field_values
from workbench.errors import Conflict, WorkbenchError
from workbench.ui import fine_tune
from workbench.ui.render import Span, highlighted_html
from workbench.ui.state import require_user, settings, show_error, store
from workbench.users import User

ORDERS = {"Uncertain first": "uncertain", "Highest score first": "score"}
SENTENCE_COLOUR, PHRASE_COLOUR = "#fff3b0", "#d55e00"
ANY = "(any)"


def current_key(user: User) -> str:
    """Session-state key of the suggestion id the user is looking at."""
    return f"review_current_{user.name}"


def last_key(user: User) -> str:
    """Session-state key of the coding the user made last: (coding id, suggestion id or None)."""
    return f"review_last_{user.name}"


@st.cache_data(show_spinner=False)
def _metadata_values(batch: str | None) -> dict[str, list[str]]:
    """Values of the filterable metadata fields over all documents (re-read per suggestion batch)."""
    return field_values(store(), FILTER_FIELDS)


@st.cache_data(show_spinner=False)
def _batch_size(batch: str | None, theme: str | None, where: tuple, run_id: str | None) -> int:
    """Suggestions in the batch matching the filters (the queue of a coder who decided nothing)."""
    return len(review_queue(store(), "", theme=theme, where=dict(where) or None, run_id=run_id,
                            batch=batch))


def _filters(themes: dict[str, str]) -> tuple[str, str | None, dict[str, str], str | None]:
    """The order and filter widgets in the sidebar: (order, theme, metadata, run id)."""
    batch = latest_batch(store())
    with st.sidebar:
        st.subheader("Queue")
        order = ORDERS[st.radio("Order", list(ORDERS), key="review_order")]
        theme = st.selectbox("Theme", [ANY, *themes], key="review_theme",
                             format_func=lambda t: t if t == ANY else f"{themes[t]} ({t})")
        where = {}
        for field, values in _metadata_values(batch).items():
            chosen = st.selectbox(field.replace("_", " ").capitalize(), [ANY, *values],
                                  key=f"review_meta_{field}")
            if chosen != ANY:
                where[field] = chosen
        runs = [r.run_id for r in list_runs(settings().runs_dir)]
        run_id = st.selectbox("Topic run", [ANY, *runs], key="review_run")
    return order, None if theme == ANY else theme, where, None if run_id == ANY else run_id


def _pick(queue: list[QueueItem], user: User) -> QueueItem:
    """The item the user was looking at if it is still undecided, else the first one."""
    wanted = st.session_state.get(current_key(user))
    item = next((i for i in queue if i.suggestion_id == wanted), queue[0])
    st.session_state[current_key(user)] = item.suggestion_id
    return item


def _after(queue: list[QueueItem], item: QueueItem) -> int | None:
    """The suggestion id after ``item`` in the queue (wrapping round), or None if it is the only one."""
    if len(queue) < 2:
        return None
    position = next(n for n, i in enumerate(queue) if i.suggestion_id == item.suggestion_id)
    return queue[(position + 1) % len(queue)].suggestion_id


def _grey(text: str) -> None:
    if text:
        st.html(f'<div style="color:#777;white-space:pre-wrap;font-size:0.9em">{html.escape(text)}</div>')


def evidence_spans(evidence: dict) -> list[Span]:
    """The suggestion's evidence as highlight spans of the excerpt: the sentence that drove the
    semantic score (marked) and the phrases found (underlined)."""
    spans: list[Span] = []
    sentence = evidence.get("sentence")
    if isinstance(sentence, dict):
        spans.append((int(sentence["start"]), int(sentence["end"]), SENTENCE_COLOUR, "coded",
                      f"closest sentence (similarity {sentence.get('similarity')})"))
    for phrase in evidence.get("phrases") or []:
        spans.append((int(phrase["start"]), int(phrase["end"]), PHRASE_COLOUR, "suggested",
                      f"phrase: {phrase['phrase']}"))
    return spans


def _show_excerpt(item: QueueItem, context: review.ExcerptContext) -> None:
    st.subheader("Excerpt")
    st.text(f"{context.title}\nSection: {context.section or '(none)'}")
    _grey(context.before)
    st.html(highlighted_html(context.text, evidence_spans(item.evidence or {})))
    st.caption("Shaded: the sentence closest to the suggested theme. Underlined: its phrases found.")
    _grey(context.after)


def _show_evidence(item: QueueItem, themes: dict[str, str]) -> None:
    evidence = item.evidence or {}
    st.subheader("Suggested theme")
    st.text(f"{themes.get(item.theme_id, item.theme_id)} ({item.theme_id}): score {item.score:.2f}")
    seeds = evidence.get("seeds") or []
    st.text("Phrases found: " + (", ".join(map(str, seeds)) if seeds else "none"))
    topic = evidence.get("topic")
    if isinstance(topic, dict):
        st.text(f"Topic {topic.get('topic')} of run {topic.get('run_id')} maps to this theme.")
    elif topic:
        st.text("Its topic maps to this theme.")
    if "semantic" in evidence:
        sentence = evidence.get("sentence") or {}
        st.text(f"Zero-shot score {evidence.get('zero_shot', '-')}: similarity {evidence['semantic']} "
                f"(whole excerpt), {sentence.get('similarity', '-')} (closest sentence)"
                + ("; a classifier trained on reviewers' decisions took part" if evidence.get("classifier")
                   else ""))
    nearest = evidence.get("nearest") or []
    if nearest:
        st.dataframe([{"kind": n.get("kind"), "similarity": n.get("similarity"), "text": n.get("text")}
                      for n in nearest], hide_index=True, key="review_nearest")


def _remember(user: User, coding: review.CodingView, suggestion_id: int | None) -> None:
    st.session_state[last_key(user)] = (coding.id, suggestion_id)


def _decide(action: str, item: QueueItem, context: review.ExcerptContext, user: User, memo: str,
            theme: str, next_id: int | None) -> str:
    """Carry out one decision; returns what happened."""
    s = store()
    if action == "confirm":
        coding = review.confirm(s, item.suggestion_id, user.name, memo)
        done = f"Confirmed {item.theme_id}."
    elif action == "reject":
        coding = review.reject(s, item.suggestion_id, user.name, memo)
        done = f"Rejected {item.theme_id}."
    elif action == "recode":
        coding = review.reject_and_code(s, item.suggestion_id, theme, user.name, memo)
        done = f"Rejected {item.theme_id} and coded the excerpt with {theme}."
    else:  # add a theme by hand; the suggestion stays in the queue
        coding = review.code_span(s, context.document_id, context.start, context.end, theme, user.name, memo)
        _remember(user, coding, None)
        return f"Coded the excerpt with {theme} as well."
    _remember(user, coding, item.suggestion_id)
    st.session_state[current_key(user)] = next_id
    return done


def _actions(item: QueueItem, context: review.ExcerptContext, queue: list[QueueItem], user: User,
             themes: dict[str, str]) -> None:
    disabled = not user.can_edit
    if disabled:
        st.caption(f"You are signed in as a viewer ({user.name}): you can look at the queue but not decide.")
    st.caption("Streamlit cannot bind keyboard shortcuts: press Tab to reach a button and Enter to "
               "press it. Confirm and Reject come first.")
    others = [t for t in themes if t != item.theme_id]
    with st.form("review_decide", clear_on_submit=True, border=False):
        memo = st.text_area("Memo (saved with your decision)", key="review_memo", disabled=disabled)
        cols = st.columns(4)
        pressed = {
            "confirm": cols[0].form_submit_button("Confirm", type="primary", key="review_confirm",
                                                  disabled=disabled),
            "reject": cols[1].form_submit_button("Reject", type="primary", key="review_reject",
                                                 disabled=disabled),
            "recode": cols[2].form_submit_button("Recode", key="review_recode", disabled=disabled),
            "add": cols[3].form_submit_button("Add theme", key="review_add", disabled=disabled),
        }
        theme = st.selectbox("Other theme (for Recode: reject the suggestion and code this one instead; "
                             "for Add theme: code this one as well)", others, key="review_other_theme",
                             format_func=lambda t: f"{themes[t]} ({t})", disabled=disabled)
    action = next((a for a, on in pressed.items() if on), None)
    if action is not None:
        try:
            st.session_state["review_message"] = _decide(action, item, context, user, memo, theme,
                                                         _after(queue, item))
        except WorkbenchError as exc:
            show_error(exc)
            return
        st.rerun()
    left, right = st.columns(2)
    if left.button("Skip", key="review_skip", disabled=disabled):
        st.session_state[current_key(user)] = _after(queue, item)
        st.rerun()
    if right.button("Undo my last action", key="review_undo", disabled=disabled):
        _undo(user)


def _whole_excerpt(item: QueueItem, queue: list[QueueItem], user: User, themes: dict[str, str]) -> None:
    """Decide every theme for the excerpt at once: ticked ones confirmed, the others rejected."""
    st.subheader("Decide the whole excerpt")
    st.caption("Tick every theme that applies; saving confirms those and records the others as "
               "rejected for this excerpt, so one reading teaches every theme. Themes you have "
               "already decided here are kept as they are.")
    suggested = {i.theme_id for i in queue if i.excerpt_id == item.excerpt_id}
    decided = {c.theme_id: c.status for c in review.list_codings(store(), coder=user.name)
               if c.excerpt_id == item.excerpt_id}
    ticked = []
    with st.form("review_whole", border=False):
        cols = st.columns(2)
        for n, (theme_id, name) in enumerate(themes.items()):
            label = f"{name} ({theme_id})" + (f": already {decided[theme_id]}" if theme_id in decided else "")
            start = theme_id in suggested or decided.get(theme_id) == "confirmed"
            on = cols[n % 2].checkbox(label, value=start, key=f"review_whole_{theme_id}",
                                      disabled=not user.can_edit or theme_id in decided)
            if on:
                ticked.append(theme_id)
        save = st.form_submit_button("Save: ticked confirmed, the rest rejected", key="review_whole_save",
                                     disabled=not user.can_edit)
    if save:
        try:
            done = review.decide_excerpt(store(), item.excerpt_id, set(ticked), user.name)
        except WorkbenchError as exc:
            show_error(exc)
            return
        st.session_state["review_message"] = (
            f"Excerpt decided: {len(done.confirmed)} confirmed ({', '.join(done.confirmed) or 'none'}), "
            f"{len(done.rejected)} rejected, {len(done.kept)} kept as they were.")
        rest = [i for i in queue if i.excerpt_id != item.excerpt_id]
        st.session_state[current_key(user)] = rest[0].suggestion_id if rest else None
        st.rerun()


def _undo(user: User) -> None:
    try:
        done = review.undo(store(), user.name)
    except WorkbenchError as exc:
        show_error(exc)
        return
    last = st.session_state.pop(last_key(user), None)
    if last and last[1] is not None:
        st.session_state[current_key(user)] = last[1]
    st.session_state["review_message"] = done.capitalize() + "."
    st.rerun()


def _adjust(user: User) -> None:
    """Number inputs to move the start and end of the coding just made."""
    last = st.session_state.get(last_key(user))
    if not last or not user.can_edit:
        return
    coding = next((c for c in review.list_codings(store(), coder=user.name) if c.id == last[0]), None)
    if coding is None:
        return
    st.subheader("Adjust the span of your last coding")
    st.text(f"Coding {coding.id}: {coding.theme_id}, {coding.status}, characters {coding.start}-{coding.end} "
            f"of document {coding.document_id}")
    with st.form("review_adjust", border=False):
        cols = st.columns(3)
        start = cols[0].number_input("Start", min_value=0, value=coding.start, step=1, key="review_start")
        end = cols[1].number_input("End", min_value=1, value=coding.end, step=1, key="review_end")
        apply = cols[2].form_submit_button("Apply span", key="review_apply_span")
    if apply:
        try:
            seen = st.session_state.setdefault("review_version", {}).get(coding.id, coding.version)
            review.adjust_span(store(), coding.id, int(start), int(end), user.name, expected_version=seen)
        except Conflict as exc:
            show_error(exc)
            st.caption("The coding changed since this page showed it; it now shows the current span.")
            st.session_state["review_version"][coding.id] = coding.version
            return
        except WorkbenchError as exc:
            show_error(exc)
            return
        st.session_state["review_message"] = f"Moved coding {coding.id} to {int(start)}-{int(end)}."
        st.rerun()
    st.session_state.setdefault("review_version", {})[coding.id] = coding.version


def page() -> None:
    user = require_user()
    st.title("Review queue")
    themes = {t.id: t.name for t in stored_codebook(store()).codable}
    order, theme, where, run_id = _filters(themes)
    try:
        queue = review_queue(store(), user.name, order=order, theme=theme, where=where or None, run_id=run_id)
    except WorkbenchError as exc:
        show_error(exc)
        return
    message = st.session_state.pop("review_message", None)
    if message:
        st.success(message)
    batch = latest_batch(store())
    if batch is None:
        st.info("No suggestions yet. Make some with `workbench suggest` (or on the Themes page).")
        return
    total = _batch_size(batch, theme, tuple(sorted(where.items())), run_id)
    st.metric("Progress", f"{total - len(queue)} decided, {len(queue)} left in this batch")
    if not queue:
        st.info("Nothing left to review with these filters.")
        _adjust(user)
        if user.can_edit and st.button("Undo my last action", key="review_undo_empty"):
            _undo(user)
        fine_tune.panel(user)
        return
    item = _pick(queue, user)
    try:
        context = review.excerpt_context(store(), item.excerpt_id)
    except WorkbenchError as exc:
        show_error(exc)
        return
    left, right = st.columns([3, 2])
    with left:
        _show_excerpt(item, context)
    with right:
        _show_evidence(item, themes)
    _actions(item, context, queue, user, themes)
    _adjust(user)
    _whole_excerpt(item, queue, user, themes)
    fine_tune.panel(user)
