"""Metrics against worked examples."""

from __future__ import annotations

import math

import pytest

from workbench.analysis.metrics import (
    clustering_agreement,
    npmi_coherence,
    outlier_share,
    theme_scores,
    topic_diversity,
)


def test_npmi_worked_example():
    texts = ["sofa sleep baby", "sofa sleep", "drugs cash phone", "drugs cash", "baby visit"]
    # sofa & sleep: P=2/5 each, joint 2/5 -> log(0.4/0.16)/-log(0.4) = 1.0
    assert npmi_coherence([["sofa", "sleep"]], texts) == pytest.approx(1.0)
    # sofa & drugs never co-occur -> -1
    assert npmi_coherence([["sofa", "drugs"]], texts) == pytest.approx(-1.0)
    # baby (2/5) & sleep (2/5), joint 1/5: log(0.2/0.16)/-log(0.2)
    expected = math.log(0.2 / 0.16) / -math.log(0.2)
    assert npmi_coherence([["baby", "sleep"]], texts) == pytest.approx(expected)
    assert npmi_coherence([["sofa", "sleep"], ["sofa", "drugs"]], texts) == pytest.approx(0.0)


def test_npmi_counts_bigrams_as_adjacent_words():
    texts = ["safe sleep advice given", "safe sleep advice", "sleep safe"]
    assert npmi_coherence([["safe sleep", "advice"]], texts) == pytest.approx(1.0)


def test_topic_diversity():
    assert topic_diversity([["a", "b"], ["c", "d"]]) == 1.0
    assert topic_diversity([["a", "b"], ["a", "c"]]) == 0.75
    assert topic_diversity([]) == 0.0


def test_outlier_share():
    assert outlier_share([-1, 0, 0, 1]) == 0.25


def test_clustering_agreement_is_label_permutation_invariant():
    assert clustering_agreement([0, 0, 1, 1], ["x", "x", "y", "y"]) == {"nmi": 1.0, "ari": 1.0}
    assert clustering_agreement([1, 1, 0, 0], ["x", "x", "y", "y"]) == {"nmi": 1.0, "ari": 1.0}


def test_theme_scores_worked_example():
    gold = {1: {"cce"}, 2: {"cce", "ehe"}, 3: set(), 4: {"ehe"}}
    predicted = {1: {"cce"}, 2: {"ehe"}, 3: {"cce"}}
    result = theme_scores(predicted, gold, ["cce", "ehe"])
    # cce: tp 1 (item 1), fp 1 (item 3), fn 1 (item 2) -> P 0.5 R 0.5 F1 0.5
    # ehe: tp 1 (item 2), fp 0, fn 1 (item 4)          -> P 1.0 R 0.5 F1 0.6667
    assert result.as_dict()["per_theme"] == {
        "cce": {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2},
        "ehe": {"precision": 1.0, "recall": 0.5, "f1": 0.6667, "support": 2},
    }
    assert result.macro_f1 == pytest.approx((0.5 + 0.6667) / 2, abs=1e-4)
    assert result.micro_f1 == pytest.approx(2 * 2 / (2 * 2 + 1 + 2), abs=1e-4)
