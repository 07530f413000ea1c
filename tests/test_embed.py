"""Embedders and the embedding cache."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.analysis.embed import Embedder, EmbeddingCache, FakeEmbedder, embed_texts, make_embedder
from workbench.errors import SettingsError


class CountingEmbedder(FakeEmbedder):
    def __init__(self):
        super().__init__()
        self.embedded: list[str] = []

    def encode(self, texts, progress=None):
        self.embedded.extend(texts)
        return super().encode(texts, progress)


def test_fake_embedder_is_deterministic_normalised_and_similarity_aware():
    embedder = FakeEmbedder()
    assert isinstance(embedder, Embedder)
    a = embedder.encode(["The baby slept on the sofa with her father.",
                         "The baby slept on the sofa with her mother.",
                         "Cash and a second phone were found in his bag."])
    assert a.dtype == np.float32 and a.shape == (3, 128)
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0)
    assert np.array_equal(a, FakeEmbedder().encode([
        "The baby slept on the sofa with her father.", "The baby slept on the sofa with her mother.",
        "Cash and a second phone were found in his bag."]))
    assert a[0] @ a[1] > 0.7 > a[0] @ a[2]


def test_second_run_embeds_nothing_and_new_texts_only_are_embedded(tmp_path):
    cache = EmbeddingCache(tmp_path / "cache.sqlite")
    embedder = CountingEmbedder()
    texts = [f"Excerpt number {i} about a home visit." for i in range(50)]
    first, stats = embed_texts(texts, embedder, cache)
    assert (stats.cache_hits, stats.cache_misses) == (0, 50)
    embedder.embedded.clear()
    second, stats = embed_texts(texts, embedder, cache)
    assert (stats.cache_hits, stats.cache_misses) == (50, 0)
    assert embedder.embedded == []
    assert np.array_equal(first, second)
    more = texts + [f"A new excerpt {i} about school attendance." for i in range(10)]
    third, stats = embed_texts(more, embedder, cache)
    assert (stats.cache_hits, stats.cache_misses) == (50, 10)
    assert len(embedder.embedded) == 10
    assert np.array_equal(third[:50], first)


def test_cache_keeps_models_apart(tmp_path):
    cache = EmbeddingCache(tmp_path / "cache.sqlite")
    embed_texts(["same text"], FakeEmbedder(64), cache)
    _, stats = embed_texts(["same text"], FakeEmbedder(32), cache)
    assert stats.cache_misses == 1
    assert cache.count() == 2 and cache.count("fake-hashing-64") == 1


def test_empty_input(tmp_path):
    vectors, stats = embed_texts([], FakeEmbedder(), EmbeddingCache(tmp_path / "c.sqlite"))
    assert vectors.shape == (0, 128) and stats.cache_misses == 0


def test_progress_is_reported():
    calls = []
    embed_texts(["a", "b"], FakeEmbedder(), None, progress=lambda d, t: calls.append((d, t)))
    assert calls == [(2, 2)]


def test_unknown_embedder_kind():
    with pytest.raises(SettingsError, match="unknown embedder 'bert'; use 'default' or 'fake'"):
        make_embedder("bert")


@pytest.mark.slow
def test_real_embedder_through_the_cache(tmp_path):
    embedder = make_embedder("default")
    assert embedder.model_id == "sentence-transformers/all-MiniLM-L6-v2"
    assert embedder.dimension == 384
    done = []
    vectors, stats = embed_texts(
        ["The baby was placed to sleep on a sofa.", "Safe sleep advice was given to the parents.",
         "He was arrested carrying drugs in another county."] * 20,
        embedder, EmbeddingCache(tmp_path / "c.sqlite"), progress=lambda d, t: done.append(d))
    assert vectors.shape == (60, 384) and stats.cache_misses == 3 and stats.cache_hits == 0
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]
