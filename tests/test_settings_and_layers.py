"""Settings come from DATASTORE_* variables and are all documented; imports point one way."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from catalog.settings import Settings, setting_help

ROOT = Path(__file__).resolve().parent.parent
# Which of our packages each package may import (README, "Architecture").
ALLOWED = {
    "schemas": set(),
    "datastore": set(),
    "ingest": {"schemas", "datastore"},
    "catalog": {"schemas", "datastore", "ingest"},
}


def test_settings_from_environment():
    settings = Settings.from_env(
        {
            "DATASTORE_PORT": "8080",
            "DATASTORE_LOAD_SAMPLES": "false",
            "DATASTORE_DATA_DIR": "/tmp/x",
            "OTHER": "1",
        }
    )
    assert settings.port == 8080
    assert settings.load_samples is False
    assert settings.data_dir == Path("/tmp/x")
    assert Settings.from_env({}) == Settings()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DATASTORE_PORT", "eighty"),
        ("DATASTORE_LOAD_SAMPLES", "maybe"),
        ("DATASTORE_PAGE_SIZE", "0"),
        ("DATASTORE_THREADS", "-2"),
    ],
)
def test_bad_setting_says_what_is_wrong(name, value):
    with pytest.raises(ValueError, match=name):
        Settings.from_env({name: value})


def test_defaults_fill_in_database_and_a_stored_secret(tmp_path):
    first = Settings(data_dir=tmp_path).resolved()
    assert first.database_url == f"sqlite:///{tmp_path / 'catalog.db'}"
    assert len(first.secret_key) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert Settings(data_dir=tmp_path).resolved().secret_key == first.secret_key


def test_readme_documents_every_setting():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [name for name, _, _ in setting_help() if f"`{name}`" not in readme]
    assert not missing, f"README does not document {missing}"


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_imports_point_one_way(package):
    ours = set(ALLOWED)
    wrong = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top in ours and top != package and top not in ALLOWED[package]:
                    wrong.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not wrong, wrong


def test_lower_packages_know_nothing_of_flask_or_the_database():
    for package in ("schemas", "datastore", "ingest"):
        for path in (ROOT / package).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            assert "import flask" not in text and "from flask" not in text, path
            assert "sqlalchemy" not in text, path
