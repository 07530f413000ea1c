"""Classifiers trained on reviewers' decisions, blended into the zero-shot score.

Once a theme has ``min_decisions`` confirmed and as many rejected excerpts, two logistic
regressions learn from them (one on dense features: the excerpt's embedding, its document's mean
embedding and its phrase counts; one on TF-IDF words). Their mean probability is blended with the
zero-shot probability with weight n / (n + ``classifier_ramp``), n = min(confirmed, rejected),
and the blend's cut-off is the F1-best one on out-of-fold predictions over the decided excerpts.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from workbench.privacy.rules import without_placeholders


class Classifier(Protocol):
    """What the scorer needs of a scikit-learn classifier."""

    def fit(self, x: Any, y: Any) -> Classifier: ...

    def predict_proba(self, x: Any) -> np.ndarray: ...


Models = tuple[Classifier, Classifier | None]


def tfidf() -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2,
                           preprocessor=lambda text: without_placeholders(text).lower())


def logistic(c: float) -> Classifier:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, class_weight="balanced", max_iter=2000)


def rescale(values: np.ndarray, cut: np.ndarray | float, threshold: float) -> np.ndarray:
    """Map [0, 1] values piecewise linearly so that ``cut`` lands on ``threshold``."""
    cut = np.clip(cut, 1e-6, 1 - 1e-6)
    below = threshold * values / cut
    above = threshold + (1 - threshold) * (values - cut) / (1 - cut)
    return np.where(values < cut, below, above)


def train(dense: np.ndarray, words: Any, rows: np.ndarray, labels: np.ndarray) -> Models:
    """Two classifiers on reviewers' decisions: dense features, and TF-IDF words when available."""
    on_words = logistic(16.0).fit(words[rows], labels) if words is not None else None
    return logistic(4.0).fit(dense[rows], labels), on_words


def predict(models: Models, dense: np.ndarray, words: Any,
            rows: np.ndarray | slice = slice(None)) -> np.ndarray:
    learned = [models[0].predict_proba(dense[rows])[:, 1]]
    if models[1] is not None:
        learned.append(models[1].predict_proba(words[rows])[:, 1])
    return np.mean(learned, axis=0)


def best_cut(scores: np.ndarray, labels: np.ndarray) -> float:
    """The F1-best cut-off of ``scores`` for ``labels`` (ties: the one nearest 0.5)."""
    best, best_f1 = 0.5, -1.0
    for cut in np.linspace(0.05, 0.95, 37):
        predicted = scores >= cut
        hits = int((predicted & (labels == 1)).sum())
        f1 = 2 * hits / (predicted.sum() + labels.sum()) if hits else 0.0
        if f1 > best_f1 + 1e-9 or (abs(f1 - best_f1) <= 1e-9 and abs(cut - 0.5) < abs(best - 0.5)):
            best, best_f1 = float(cut), f1
    return best


def calibrated_cut(dense: np.ndarray, words: Any, rows: np.ndarray, labels: np.ndarray,
                   base: np.ndarray, weight: float, folds: int = 3) -> float:
    """The blended score's F1-best cut-off, from out-of-fold predictions on the decided excerpts."""
    from sklearn.model_selection import StratifiedKFold

    out_of_fold = np.zeros(len(rows))
    for fit_rows, test in StratifiedKFold(folds, shuffle=True, random_state=0).split(rows, labels):
        models = train(dense, words, rows[fit_rows], labels[fit_rows])
        learned = predict(models, dense, words, rows[test])
        out_of_fold[test] = (1 - weight) * base[rows[test]] + weight * learned
    return best_cut(out_of_fold, labels)
