"""Each zero-shot scorer on small inline data: phrases on lemmas, sentences, the combination."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.analysis.embed import FakeEmbedder
from workbench.coding.codebook import Theme
from workbench.coding.lexical import PhraseLexicon
from workbench.coding.semantic import SentenceEmbeddings, sentence_spans
from workbench.coding.zero_shot import FEATURES, ZeroShotWeights, zero_shot_features
from workbench.nlp import load_pipeline

THEMES = [Theme("sudi", "Sleep", seeds=["co-sleeping", "safer sleep", "sofa"]),
          Theme("cce", "Exploitation", seeds=["county lines", "missing episode"]),
          Theme("da", "Abuse", seeds=["domestic abuse"])]


@pytest.fixture(scope="module")
def lexicon():
    return PhraseLexicon(THEMES, load_pipeline())


def test_phrases_match_on_lemmas_whatever_the_case_or_hyphens(lexicon):
    text = "Mother Co-slept on the SOFA; he had three Missing Episodes linked to County Lines."
    found = {(m.phrase, text[m.start:m.end]) for m in lexicon.find([text])[0]}
    assert found == {("co-sleeping", "Co-slept"), ("sofa", "SOFA"),
                     ("missing episode", "Missing Episodes"), ("county lines", "County Lines")}
    assert lexicon.counts([text]).tolist() == [[2.0, 2.0, 0.0]]


def test_negation_cues_cancel_a_match_but_a_plain_no_does_not(lexicon):
    negated, finding = "There was no evidence of domestic abuse.", "No safer sleep advice was given."
    [[abuse], [sleep]] = lexicon.find([negated, finding])
    assert abuse.negated and not sleep.negated
    assert lexicon.counts([negated, finding]).tolist() == [[0, 0, 0], [1, 0, 0]]
    # a cue in the sentence before does not reach across the full stop
    assert lexicon.counts(["No evidence of neglect. Domestic abuse was reported."]).tolist() == [[0, 0, 1]]


def test_a_seed_inside_a_stock_phrase_does_not_count():
    lexicon = PhraseLexicon([Theme("neglect", "Neglect", seeds=["neglect"])], load_pipeline())
    stock = "A review is held where abuse or neglect is known or suspected."
    finding = "The children's neglect was chronic: no food, no heating."
    [[criteria], [evidence]] = lexicon.find([stock, finding])
    assert criteria.stock and not criteria.counts and evidence.counts
    assert lexicon.counts([stock, finding, "Abuse and/or neglect of a child."]).tolist() == [[0], [1], [0]]


def test_redaction_placeholders_are_not_matched_and_offsets_stay(lexicon):
    text = "[Person 1] was on the sofa."
    [match] = lexicon.find([text])[0]
    assert text[match.start:match.end] == "sofa"


def test_sentences_split_on_stops_paragraphs_and_list_items():
    text = ("The baby slept on the sofa that night. Nobody asked where the father was.\n\n"
            "- the health visitor saw the family twice\n- the school was not told")
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "The baby slept on the sofa that night.", "Nobody asked where the father was.",
        "- the health visitor saw the family twice", "- the school was not told"]
    # short pieces join a neighbour rather than stand alone
    short = "See above. The plan was closed in May."
    assert [short[s:e] for s, e in sentence_spans(short)] == [short]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab .!?\n-A1"), max_size=80))
def test_sentence_spans_are_ordered_trimmed_and_inside_the_text(text):
    spans = sentence_spans(text)
    assert all(0 <= s < e <= len(text) for s, e in spans)
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False))
    assert all(text[s:e] == text[s:e].strip() for s, e in spans)
    assert "".join(text[s:e] for s, e in spans).replace(" ", "").replace("\n", "") == \
        text.replace(" ", "").replace("\n", "").strip()


def test_an_excerpt_is_as_close_to_a_theme_as_its_best_sentence():
    embedder = FakeEmbedder()
    texts = ["Meetings were held monthly and minutes were kept. The baby slept on the sofa with "
             "his father after a party."]
    anchor = embedder.encode(["The baby slept on the sofa with his father after a party."])
    similarity = SentenceEmbeddings(texts, embedder).similarity(anchor)
    assert similarity.best[0, 0] == pytest.approx(1.0, abs=1e-5)
    start, end = similarity.spans[0][similarity.best_sentence[0, 0]]
    assert texts[0][start:end].startswith("The baby slept")


def test_the_zero_shot_probability_grows_with_each_kind_of_evidence():
    weights = ZeroShotWeights(intercept=-3, phrases=1, similarity=2, relative_similarity=4,
                              sentence=1, relative_sentence=1)
    similarity = np.array([[0.2, 0.1, 0.1], [0.5, 0.1, 0.1]])
    counts = np.array([[0, 0, 0], [0, 0, 0]])
    base = weights.probability(zero_shot_features(counts, similarity, similarity))
    assert base[1, 0] > base[0, 0]
    with_phrases = weights.probability(zero_shot_features(counts + [[1, 0, 0], [0, 0, 0]],
                                                          similarity, similarity))
    assert with_phrases[0, 0] > base[0, 0]
    capped = zero_shot_features(np.array([[7, 0, 0]]), similarity[:1], similarity[:1])
    assert capped["phrases"][0, 0] == 3
    assert set(capped) == set(FEATURES)
    assert capped["relative_similarity"][0].sum() == pytest.approx(0)
