"""Suggestions with evidence, the review queue, learning from decisions, evaluation, agreement CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import ROOT

from workbench.analysis.embed import FakeEmbedder
from workbench.cli import main
from workbench.coding.codebook import load_codebook
from workbench.coding.evaluate import learning_curve
from workbench.coding.gold import excerpt_labels, read_gold
from workbench.coding.queue import review_queue
from workbench.coding.review import confirm, excerpt_context
from workbench.coding.suggest import SuggestSettings, ThemeScorer, suggest
from workbench.coding.themes import import_codebook, stored_codebook
from workbench.corpus import load_manifest
from workbench.corpus.ingest import Ingestor
from workbench.errors import WorkbenchError
from workbench.store import list_events

MINI = ROOT / "corpus" / "sample-mini"


@pytest.fixture
def mini(store, settings):
    Ingestor(store, settings, manifest=load_manifest(MINI / "manifest.csv")).ingest_paths([MINI])
    import_codebook(store, load_codebook(), actor="admin")
    return store


def test_suggestions_carry_scores_and_evidence(mini):
    result = suggest(mini, stored_codebook(mini), FakeEmbedder())
    assert result.excerpts == 100 and result.suggestions > 0
    items = review_queue(mini, "alice", order="score")
    assert len(items) == result.suggestions
    assert all(0 <= i.score <= 1 for i in items)
    assert [i.score for i in items] == sorted((i.score for i in items), reverse=True)
    for item in items:
        evidence = item.evidence
        assert set(evidence) >= {"seeds", "phrases", "sentence", "nearest", "semantic", "zero_shot",
                                 "topic", "classifier"}
        theme = load_codebook()[item.theme_id]
        assert set(evidence["seeds"]) <= set(theme.seeds)
        text = excerpt_context(mini, item.excerpt_id).text
        sentence = evidence["sentence"]
        assert 0 <= sentence["start"] < sentence["end"] <= len(text)
        for phrase in evidence["phrases"]:
            assert phrase["phrase"] in evidence["seeds"]
            assert 0 <= phrase["start"] < phrase["end"] <= len(text)
        assert all(n["kind"] == "example" and n["text"] in theme.examples for n in evidence["nearest"])
    with mini.session() as s:
        [event] = list_events(s, action="suggest.run")
        assert event.payload["suggestions"] == result.suggestions


def test_seed_keywords_are_found_as_evidence():
    codebook = load_codebook()
    texts = ["The baby was found unresponsive on the sofa after co-sleeping with her father.",
             "The school recorded the family's decision to home educate."]
    texts += [f"Meeting {n}: the agencies reviewed the plan and agreed the next steps for case {n}."
              for n in range(30)]
    embeddings = FakeEmbedder().encode(texts)
    scorer = ThemeScorer(codebook, FakeEmbedder()).fit(texts, embeddings)
    scores, evidence = scorer.score(texts, embeddings)
    sudi = scorer.theme_ids_.index("sudi")
    assert scores[0, sudi] > scores[1, sudi]
    assert "sudi" in evidence[0] and evidence[0]["sudi"]["seeds"]


def test_queue_orders_filters_and_forgets_decided_items(mini):
    suggest(mini, stored_codebook(mini), FakeEmbedder())
    uncertain = review_queue(mini, "alice")
    threshold = SuggestSettings().threshold
    gaps = [abs(i.score - threshold) for i in uncertain]
    assert gaps == sorted(gaps)
    theme = uncertain[0].theme_id
    assert {i.theme_id for i in review_queue(mini, "alice", theme=theme)} == {theme}
    region = "London"
    filtered = review_queue(mini, "alice", where={"region": region})
    with mini.session() as s:
        from workbench.store import get_document

        assert all(get_document(s, i.document_id).meta["region"] == region for i in filtered)
    first = uncertain[0]
    confirm(mini, first.suggestion_id, "alice")
    assert first.suggestion_id not in {i.suggestion_id for i in review_queue(mini, "alice")}
    assert first.suggestion_id in {i.suggestion_id for i in review_queue(mini, "bob")}
    with pytest.raises(WorkbenchError, match="order 'random' is not one of uncertain, score"):
        review_queue(mini, "alice", order="random")


def test_classifier_takes_over_after_ten_confirmed_and_ten_rejected(mini):
    with mini.session() as s:
        gold = excerpt_labels(s, read_gold(MINI / "gold.jsonl"))
    suggest(mini, stored_codebook(mini), FakeEmbedder())
    theme = "info_sharing"
    positives = [e for e, t in gold.items() if theme in t][:10]
    negatives = [e for e, t in gold.items() if theme not in t][:10]
    assert len(positives) == 10
    from workbench.coding.review import code_span
    from workbench.store.models import Excerpt

    with mini.session() as s:
        spans = {e: (s.get(Excerpt, e).document_id, s.get(Excerpt, e).start, s.get(Excerpt, e).end)
                 for e in positives + negatives}
    for e in positives:
        code_span(mini, *spans[e], theme, "alice")
    for e in negatives:
        code_span(mini, *spans[e], theme, "alice", status="rejected")
    result = suggest(mini, stored_codebook(mini), FakeEmbedder())
    assert result.classifier_themes == [theme]
    items = review_queue(mini, "bob", theme=theme)
    assert all(i.evidence["classifier"] for i in items)


def _curve_inputs(mini):
    """The mini sample's excerpts, fake embeddings and gold themes, for learning curves."""
    from workbench.analysis.runs import snapshot

    with mini.session() as s:
        gold = excerpt_labels(s, read_gold(MINI / "gold.jsonl"))
    corpus = snapshot(mini)
    return corpus, FakeEmbedder().encode(corpus.texts), [gold.get(e, set()) for e in corpus.excerpt_ids]


def test_learning_curve_measures_on_a_fixed_test_set_in_both_reviewer_modes(mini):
    corpus, embeddings, labels = _curve_inputs(mini)
    curve = learning_curve(corpus.texts, embeddings, labels, stored_codebook(mini), FakeEmbedder(),
                           rounds=2, per_round=4, groups=corpus.document_ids)
    assert [p["round"] for p in curve] == [0, 1, 2]
    assert [p["excerpts_reviewed"] for p in curve] == [0, 4, 8]
    assert [p["decisions"] for p in curve] == [0, 64, 128]  # every one of the 16 themes per excerpt
    test_size = curve[0]["test_excerpts"]
    assert 0 < test_size < 100 and all(p["test_excerpts"] == test_size for p in curve)
    assert all(0 <= p["macro_f1"] <= 1 for p in curve)
    pairs = learning_curve(corpus.texts, embeddings, labels, stored_codebook(mini), FakeEmbedder(),
                           rounds=1, per_round=3, groups=corpus.document_ids, reviewer="pairs")
    assert [p["decisions"] for p in pairs] == [0, 48]
    assert pairs[1]["test_excerpts"] == test_size  # the same documents are set aside
    with pytest.raises(WorkbenchError, match="reviewer 'nobody' is not one of excerpts, pairs"):
        learning_curve(corpus.texts, embeddings, labels, stored_codebook(mini), FakeEmbedder(),
                       reviewer="nobody")


def test_learning_curve_on_given_test_rows_never_shows_them_to_the_reviewer(mini):
    corpus, embeddings, labels = _curve_inputs(mini)
    test_rows = list(range(0, len(corpus.texts), 3))
    pool = len(corpus.texts) - len(test_rows)
    curve = learning_curve(corpus.texts, embeddings, labels, stored_codebook(mini), FakeEmbedder(),
                           rounds=-(-pool // 10) + 1, per_round=10, test_rows=test_rows)
    assert all(p["test_excerpts"] == len(test_rows) for p in curve)
    assert curve[-1]["excerpts_reviewed"] == pool  # the whole pool read, and none of the test rows
    for bad in ([], [len(corpus.texts)]):
        with pytest.raises(WorkbenchError) as error:
            learning_curve(corpus.texts, embeddings, labels, stored_codebook(mini), FakeEmbedder(),
                           test_rows=bad)
        assert str(error.value) == f"test_rows must name 1 to {len(corpus.texts)} excerpts by index"


def test_zero_shot_scores_do_not_depend_on_the_rest_of_the_corpus(mini):
    """A score is a probability of its own excerpt, not a rank within the corpus: the same
    excerpt scores the same alone, in a corpus of exploitation reviews or among everything."""
    from workbench.analysis.runs import snapshot

    corpus = snapshot(mini)
    embeddings = FakeEmbedder().encode(corpus.texts)
    scorer = ThemeScorer(stored_codebook(mini), FakeEmbedder()).fit(corpus.texts, embeddings)
    everything, _ = scorer.score(corpus.texts, embeddings)
    assert everything.min() >= 0 and everything.max() <= 1
    cce = scorer.theme_ids_.index("cce")
    rows = [i for i in np.argsort(-everything[:, cce])[:5]]
    few = [corpus.texts[i] for i in rows]
    alone, _ = ThemeScorer(stored_codebook(mini), FakeEmbedder()).fit(few, embeddings[rows]).score(
        few, embeddings[rows])
    assert np.allclose(alone, everything[rows], atol=1e-6)


def cli_json(capsys, *argv):
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def test_cli_suggest_evaluate_codebook_and_agreement(tmp_path, capsys):
    home = str(tmp_path / "home")
    assert main(["ingest", str(MINI), "--home", home, "--quiet"]) == 0
    capsys.readouterr()
    assert cli_json(capsys, "suggest", "--embedder", "fake", "--json", "--home", home,
                    "--no-run")["excerpts"] == 100
    listed = cli_json(capsys, "codebook", "list", "--json", "--home", home)
    assert len(listed) == 20 and listed[0]["id"] == "national_reviews"
    result = cli_json(capsys, "evaluate", "--gold", str(MINI / "gold.jsonl"), "--embedder", "fake",
                      "--json", "--home", home)
    assert set(result) == {"macro_f1", "micro_f1", "per_theme"}
    assert set(result["per_theme"]["cce"]) == {"precision", "recall", "f1", "support"}
    assert result["per_theme"]["cce"]["support"] > 0
    out = tmp_path / "themes.qdc"
    assert main(["codebook", "export", "--out", str(out), "--home", home]) == 0
    assert out.read_bytes().startswith(b"<?xml")
    assert cli_json(capsys, "codebook", "import", str(out), "--json", "--home", home) == {
        "added": 0, "updated": 0}
    assert cli_json(capsys, "agreement", "--json", "--home", home) == {
        "coders": [], "overall": None, "per_theme": {}}


def test_evaluate_a_benchmark_folder(tmp_path, capsys):
    folder = tmp_path / "bench"
    folder.mkdir()
    (folder / "a.txt").write_text("The baby died after sleeping on the sofa with a parent who had "
                                  "been drinking.\n\nSafe sleep advice had not been repeated.")
    (folder / "b.txt").write_text("He was found in another county with cash and two phones and "
                                  "was referred under the National Referral Mechanism.")
    (folder / "labels.csv").write_text("file,themes\na.txt,sudi;substance_misuse\nb.txt,cce\n")
    result = cli_json(capsys, "evaluate", "--gold", str(folder), "--embedder", "fake", "--json",
                      "--home", str(tmp_path / "home"))
    assert result["per_theme"]["sudi"]["support"] == 1
    assert result["per_theme"]["cce"]["support"] == 1
    (folder / "labels.csv").write_text("file,themes\na.txt,nonsense\n")
    assert main(["evaluate", "--gold", str(folder), "--embedder", "fake", "--home",
                 str(tmp_path / "home")]) == 1
    assert capsys.readouterr().err.endswith("labels.csv: unknown theme ids nonsense\n")


def test_agreement_from_two_coders(mini, settings, capsys):
    from workbench.coding.review import code_span
    from workbench.store import get_document

    with mini.session() as s:
        excerpts = [(e.id, e.document_id, e.start, e.end) for e in get_document(s, 1).excerpts[:3]]
    for n, (_, doc, start, end) in enumerate(excerpts):
        code_span(mini, doc, start, end, "neglect", "alice")
        code_span(mini, doc, start, end, "neglect", "bob", status="confirmed" if n < 2 else "rejected")
    result = cli_json(capsys, "agreement", "--json", "--home", str(settings.home))
    assert result["coders"] == ["alice", "bob"]
    neglect = result["per_theme"]["neglect"]
    # alice 1,1,1; bob 1,1,0: observed 2/3, expected 2/3, so kappa 0
    assert neglect["percent"] == pytest.approx(2 / 3)
    assert neglect["kappa"] == pytest.approx(0.0)
    assert neglect["disagreements"] == [excerpts[2][0]]
    assert neglect["units"] == 3
    assert main(["agreement", "--home", str(settings.home)]) == 0
    assert "neglect" in capsys.readouterr().out


def test_deciding_a_whole_excerpt_confirms_the_ticked_themes_and_rejects_the_rest(mini):
    from workbench.coding.review import decide_excerpt, list_codings
    from workbench.coding.suggest import reviewer_decisions

    suggest(mini, stored_codebook(mini), FakeEmbedder())
    item = review_queue(mini, "alice", order="score")[0]
    codable = [t.id for t in load_codebook().codable]
    extra = next(t for t in codable if t != item.theme_id)
    result = decide_excerpt(mini, item.excerpt_id, {item.theme_id, extra}, "alice", memo="read once")
    assert sorted(result.confirmed) == sorted([item.theme_id, extra])
    assert sorted(result.rejected) == sorted(set(codable) - {item.theme_id, extra})
    assert result.kept == []
    codings = {c.theme_id: c for c in list_codings(mini) if c.excerpt_id == item.excerpt_id}
    assert set(codings) == set(codable)
    assert codings[item.theme_id].source == f"suggestion:{item.suggestion_id}"
    assert codings[item.theme_id].score == item.score and codings[item.theme_id].memo == "read once"
    assert codings[extra].status == "confirmed" and codings[extra].source == "manual"
    assert all(codings[t].status == "rejected" for t in result.rejected)
    assert item.suggestion_id not in {i.suggestion_id for i in review_queue(mini, "alice")}
    # deciding again changes nothing that was decided
    again = decide_excerpt(mini, item.excerpt_id, set(), "alice")
    assert again.confirmed == again.rejected == [] and sorted(again.kept) == sorted(codable)
    assert codings[item.theme_id].status == "confirmed"
    from workbench.analysis.runs import snapshot

    excerpt_ids = snapshot(mini).excerpt_ids
    decisions = reviewer_decisions(mini, excerpt_ids)
    row = excerpt_ids.index(item.excerpt_id)
    assert all(row in decisions[t][0 if t in result.confirmed else 1] for t in codable)
    with pytest.raises(WorkbenchError, match="^nonsense: not codable themes of the stored codebook"):
        decide_excerpt(mini, item.excerpt_id, {"nonsense"}, "bob")
    with mini.session() as s:
        events = list_events(s, action="excerpt.decide")
        assert len(events) == 2 and all(e.actor == "alice" for e in events)
        assert sorted(max(events, key=lambda e: e.id).payload["kept"]) == sorted(codable)
