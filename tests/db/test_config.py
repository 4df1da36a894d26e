"""This computer's settings: a small JSON file, the server password only in the keyring."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from app.db.config import (
    LocalSettings,
    PasswordStore,
    ServerSettings,
    backup_dir_for,
    load_settings,
    save_settings,
)
from app.domain.errors import InvalidInput
from app.keychain import KEYRING_SERVICE
from tests.keyrings import MemoryKeyring

SERVER = ServerSettings(host="till-server", port=5433, database="shop", user="clerk")


def test_settings_survive_a_save_and_load_without_the_password(
    tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    path = tmp_path / "settings.json"
    settings = LocalSettings(mode="server", server=SERVER, keep_backups=4)
    save_settings(settings, path)
    PasswordStore().set(SERVER, "s3cret-pw")
    assert load_settings(path) == settings
    assert "s3cret-pw" not in path.read_text()
    assert memory_keyring.passwords == {
        (KEYRING_SERVICE, "clerk@till-server:5433/shop"): "s3cret-pw"
    }
    assert PasswordStore().get(SERVER) == "s3cret-pw"


def test_an_empty_password_forgets_the_stored_one(memory_keyring: MemoryKeyring) -> None:
    store = PasswordStore()
    store.set(SERVER, "pw")
    store.set(SERVER, "")
    store.set(SERVER, "")  # forgetting twice is fine
    assert store.get(SERVER) is None


def test_without_a_keyring_the_password_is_kept_only_while_the_app_runs(no_keyring: None) -> None:
    store = PasswordStore()
    assert not store.available()
    assert store.get(SERVER) is None
    assert store.set(SERVER, "pw") is False  # kept for this session only
    assert store.get(SERVER) == "pw"
    store.set(SERVER, "")
    assert store.get(SERVER) is None


def test_missing_or_broken_settings_fall_back_to_the_defaults(tmp_path: Path) -> None:
    assert load_settings(tmp_path / "none.json") == LocalSettings()
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    assert load_settings(broken) == LocalSettings()
    odd = tmp_path / "odd.json"
    odd.write_text(json.dumps({"mode": "cloud", "keep_backups": "many", "server": {"port": True}}))
    assert load_settings(odd) == LocalSettings()


def test_a_server_url_keeps_odd_characters_in_the_user_and_password() -> None:
    url = make_url(ServerSettings(host="db", database="shop", user="a b").url("p@ss/word"))
    assert (url.username, url.password, url.host, url.port, url.database) == (
        "a b",
        "p@ss/word",
        "db",
        5432,
        "shop",
    )


def test_server_settings_say_what_is_missing() -> None:
    with pytest.raises(InvalidInput, match="server's name"):
        ServerSettings(host=" ").validated()
    with pytest.raises(InvalidInput, match="port"):
        ServerSettings(host="db", port=0).validated()
    assert ServerSettings(host=" db ").validated().host == "db"


def test_backups_go_beside_a_file_or_to_the_data_folder_for_a_server(tmp_path: Path) -> None:
    assert backup_dir_for(f"sqlite:///{tmp_path}/shop.sqlite3") == tmp_path / "backups"
    assert backup_dir_for("postgresql+psycopg://u@h/shop").parts[-2:] == ("backups", "shop")
