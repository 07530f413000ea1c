"""The real models load from installed packages with no network."""

from __future__ import annotations

import pytest

from workbench.analysis.embed import default_model_path, load_sentence_transformer
from workbench.errors import SettingsError


def test_default_model_ships_in_a_package():
    path = default_model_path()
    assert (path / "config.json").exists()
    assert (path / "model.safetensors").exists()


@pytest.mark.slow
def test_sentence_transformer_embeds_offline():
    import os

    assert os.environ["HF_HUB_OFFLINE"] == "1"
    model = load_sentence_transformer("")
    vectors = model.encode(["The baby slept on the sofa.", "The infant co-slept on a settee.",
                            "The teenager was found with cash in another town."],
                           normalize_embeddings=True)
    assert vectors.shape == (3, 384)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


@pytest.mark.slow
def test_unknown_model_name_fails_offline_with_advice():
    with pytest.raises(SettingsError, match="set WORKBENCH_EMBEDDING_MODEL to a local model folder"):
        load_sentence_transformer("no-such-org/no-such-model")
