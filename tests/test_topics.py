"""Topic runs: reproducible, cached, saved, loadable offline and comparable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import ROOT

from workbench.analysis.runs import compare_runs, list_runs, load_run
from workbench.analysis.topics import DOMAIN_STOP_WORDS, TopicConfig, VectorizerSettings, stop_words
from workbench.cli import main
from workbench.errors import NotFound, SettingsError

SAMPLE = ROOT / "corpus" / "sample"
FAST = ROOT / "models" / "fast.toml"


def cli_json(capsys, *argv) -> dict | list:
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    """The sample corpus ingested, then fitted twice with the same config and seed."""
    import contextlib
    import io

    home = tmp_path_factory.mktemp("home")
    runs = home / "runs"
    env = pytest.MonkeyPatch()
    env.setenv("WORKBENCH_RUNS_DIR", str(runs))
    outputs = []
    with contextlib.redirect_stdout(io.StringIO()) as out:
        assert main(["ingest", str(SAMPLE), "--home", str(home), "--quiet"]) == 0
    for _ in range(2):
        with contextlib.redirect_stdout(io.StringIO()) as out:
            assert main(["model", "fit", "--config", str(FAST), "--home", str(home), "--json",
                         "--quiet", "--gold", str(SAMPLE / "gold.jsonl")]) == 0
        outputs.append(json.loads(out.getvalue()))
    yield home, runs, outputs
    env.undo()


def test_fit_reports_the_json_contract(fitted):
    _, _, (first, _) = fitted
    assert set(first) == {"run_id", "n_topics", "outlier_share", "npmi", "diversity", "timings"}
    assert set(first["timings"]) == {"embed_s", "fit_s", "cache_hits", "cache_misses", "total_s"}
    assert first["n_topics"] >= 2
    assert 0 <= first["outlier_share"] < 1 and -1 <= first["npmi"] <= 1
    assert first["timings"]["cache_misses"] > 0


def test_second_identical_fit_embeds_nothing_and_finds_the_same_topics(fitted):
    _, runs, (first, second) = fitted
    assert second["timings"]["cache_misses"] == 0
    assert second["timings"]["cache_hits"] == first["timings"]["cache_misses"]
    a, b = load_run(runs, first["run_id"]), load_run(runs, second["run_id"])
    assert a.topics == b.topics
    assert a.assignments == b.assignments
    assert compare_runs(a, b).stability == 1.0


def test_compare_cli(fitted, capsys):
    home, runs, (first, second) = fitted
    result = cli_json(capsys, "model", "compare", first["run_id"], second["run_id"], "--json",
                      "--home", str(home))
    assert result["stability"] == 1.0
    assert result["only_in_a"] == [] and result["only_in_b"] == []
    assert all(m["a"] == m["b"] and m["similarity"] == 1.0 for m in result["matched"])


def test_run_record_is_complete_and_reproducible(fitted):
    _, runs, (first, _) = fitted
    run = load_run(runs, first["run_id"])
    record = run.record
    assert record["config"] == TopicConfig.from_toml(FAST).as_dict()
    assert record["seed"] == 42 and record["embedding_model"] == "fake-hashing-128"
    assert len(record["corpus_hash"]) == 64
    assert {"python", "bertopic", "umap-learn", "hdbscan", "scikit-learn"} <= set(record["versions"])
    assert {"nmi", "ari", "theme_macro_f1", "npmi", "diversity"} <= set(record["metrics"])
    assert sorted(run.path.iterdir()) == sorted(run.path / n for n in (
        "run.json", "assignments.json", "centroids.safetensors", "bertopic"))
    assert not list(Path(runs).glob(".tmp-*"))
    assert set(run.centroids) == {t["id"] for t in run.topics}
    assert sum(t["size"] for t in run.topics) == len(run.assignments) == record["n_excerpts"]
    for topic in run.topics:
        assert topic["theme"] is None or topic["theme"] in {
            "cce", "sudi", "nai_under1", "invisible_men", "covid", "ehe", "domestic_abuse",
            "risk_assessment", "sin_criteria", "info_sharing", "professional_curiosity",
            "voice_of_child", "reluctant_engagement", "neglect", "mental_health",
            "substance_misuse"}
        words = {w for w, _ in topic["words"]}
        assert not words & {"review", "practitioner", "agency"}


def test_saved_model_loads_offline(fitted):
    import os

    _, runs, (first, _) = fitted
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    model = load_run(runs, first["run_id"]).load_model()
    assert len(model.get_topic_info()) == len(load_run(runs, first["run_id"]).topics)


def test_list_and_show(fitted, capsys):
    home, _, (first, second) = fitted
    listed = cli_json(capsys, "model", "list", "--json", "--home", str(home))
    assert [r["run_id"] for r in listed] == [first["run_id"], second["run_id"]]
    assert main(["model", "show", first["run_id"], "--home", str(home)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Run {first['run_id']} (")
    assert "topic   size  theme" in out


def test_unknown_run_says_what_exists(fitted):
    _, runs, (first, second) = fitted
    with pytest.raises(NotFound) as info:
        load_run(runs, "nope")
    assert str(info.value) == (f"no run 'nope' in {runs}; recent runs: {first['run_id']}, "
                               f"{second['run_id']} (`workbench model list` shows all)")
    assert len(list_runs(runs)) == 2


def test_config_errors_name_the_file_and_key(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[umap]\nneighbours = 5\n")
    with pytest.raises(SettingsError) as info:
        TopicConfig.from_toml(bad)
    assert str(info.value) == (f"model config {bad} [umap]: unknown key 'neighbours'; known keys: "
                               "n_neighbors, n_components, min_dist, metric")
    bad.write_text('[outliers]\nstrategy = "drop"\n')
    with pytest.raises(SettingsError, match="outliers.strategy 'drop' is not one of none, embeddings"):
        TopicConfig.from_toml(bad)


def test_too_small_corpus_is_refused(store, settings):
    from workbench.analysis.embed import FakeEmbedder
    from workbench.analysis.runs import fit_run

    with pytest.raises(SettingsError, match="0 excerpts are too few for cluster.min_cluster_size = 10"):
        fit_run(store, settings, TopicConfig(), FakeEmbedder())


def test_domain_stop_words_can_be_kept():
    assert "practitioner" in DOMAIN_STOP_WORDS
    words = stop_words(VectorizerSettings(keep_words=["police"], extra_stop_words=["Lockdown"]))
    assert "police" not in words and "lockdown" in words and "review" in words


@pytest.mark.slow
def test_real_model_run_is_reproducible(tmp_path, capsys):
    home = str(tmp_path)
    config = tmp_path / "real.toml"
    config.write_text(FAST.read_text().replace('embedder = "fake"', 'embedder = "default"'))
    assert main(["ingest", str(SAMPLE), "--home", home, "--quiet"]) == 0
    capsys.readouterr()
    import os

    os.environ["WORKBENCH_RUNS_DIR"] = str(tmp_path / "runs")
    try:
        first = cli_json(capsys, "model", "fit", "--config", str(config), "--home", home, "--json",
                         "--quiet")
        second = cli_json(capsys, "model", "fit", "--config", str(config), "--home", home,
                          "--json", "--quiet")
        assert second["timings"]["cache_misses"] == 0
        compared = cli_json(capsys, "model", "compare", first["run_id"], second["run_id"],
                            "--json", "--home", home)
    finally:
        del os.environ["WORKBENCH_RUNS_DIR"]
    assert compared["stability"] == 1.0
    run = load_run(tmp_path / "runs", first["run_id"])
    assert run.record["embedding_model"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert any(t["theme"] for t in run.topics)


def test_default_toml_documents_the_defaults():
    from workbench.analysis.topics import DEFAULT_CONFIG

    assert TopicConfig.from_toml(DEFAULT_CONFIG) == TopicConfig()
    text = DEFAULT_CONFIG.read_text()
    for section in ("umap", "cluster", "vectorizer", "topics", "guidance", "outliers", "mapping"):
        assert f"[{section}]" in text
