"""Settings: defaults, workbench.toml, environment variables, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.config import Settings, load_settings
from workbench.errors import SettingsError


def test_defaults(settings):
    assert settings.max_excerpt_tokens == 200
    assert settings.database == f"sqlite:///{(settings.home / 'workbench.db').resolve()}"
    assert settings.text_columns == ("text", "body", "content")


def test_toml_then_environment_then_overrides(tmp_path, monkeypatch):
    (tmp_path / "workbench.toml").write_text(
        'max_file_mb = 5\ntext_columns = ["narrative"]\nspacy_model = "from_toml"\n')
    monkeypatch.setenv("WORKBENCH_SPACY_MODEL", "from_env")
    monkeypatch.setenv("WORKBENCH_TITLE_COLUMNS", "heading, name")
    s = load_settings(home=tmp_path, max_excerpt_tokens=100)
    assert (s.max_file_mb, s.text_columns, s.spacy_model) == (5.0, ("narrative",), "from_env")
    assert s.title_columns == ("heading", "name")
    assert s.max_excerpt_tokens == 100


def test_home_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path))
    assert load_settings().home == Path(tmp_path)


def test_bad_values_name_the_setting(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_MAX_FILE_MB", "lots")
    with pytest.raises(SettingsError) as info:
        load_settings(home=tmp_path)
    assert str(info.value) == ("environment variable WORKBENCH_MAX_FILE_MB: setting "
                               "'max_file_mb' has value 'lots', which is not a valid float")


def test_unknown_toml_key_lists_the_known_ones(tmp_path):
    (tmp_path / "workbench.toml").write_text("max_file_size = 3\n")
    with pytest.raises(SettingsError, match=r"workbench.toml: unknown setting 'max_file_size'; "
                                          r"known settings: database_url, embedding_model, "):
        load_settings(home=tmp_path)


def test_every_setting_is_documented():
    from conftest import ROOT

    readme = (ROOT / "README.md").read_text()
    for name, _, help_text in Settings.describe():
        assert help_text
        if name != "home":
            assert f"WORKBENCH_{name.upper()}" in readme, name


def test_hub_is_offline():
    import os

    import workbench.config  # noqa: F401

    assert os.environ["HF_HUB_OFFLINE"] == "1"
