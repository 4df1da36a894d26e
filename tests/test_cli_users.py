"""``shopkeeper users`` and ``--user``: a command acts as a signed-in user with that user's
permissions; without ``--user`` a shop with users is changed only on a local file, as its
owner, and says so."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.cli_users import NEW_PIN_VARIABLE, PIN_VARIABLE
from app.db import open_database
from app.services import catalog
from tests.test_cli import run


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    """A shop file with one customer and no users yet."""
    path = tmp_path / "shop.sqlite3"
    database = open_database(f"sqlite:///{path}", backup_dir=tmp_path / "bk")
    with database.write() as session:
        catalog.create_customer(session, "ANN", "Ann")
    database.dispose()
    return path


@pytest.fixture
def staffed(
    shop: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Olga (owner, PIN 1111), added first, then Cleo (clerk, 3333) added by Olga."""
    monkeypatch.setenv(NEW_PIN_VARIABLE, "1111")
    assert run(capsys, "--db", str(shop), "users", "add", "Olga", "--role", "clerk")[:2] == (
        0,
        "Added Olga (owner).\n",
    )
    monkeypatch.setenv(NEW_PIN_VARIABLE, "3333")
    monkeypatch.setenv(PIN_VARIABLE, "1111")
    code, out, _ = run(capsys, "--db", str(shop), "--user", "olga", "users", "add", "Cleo")
    assert (code, out) == (0, "Added Cleo (clerk).\n")
    monkeypatch.delenv(PIN_VARIABLE)
    monkeypatch.delenv(NEW_PIN_VARIABLE)
    return shop


def _customers_csv(tmp_path: Path) -> str:
    csv = tmp_path / "customers.csv"
    csv.write_text("code,name,email,phone,tier\nEVE,Eve,,,standard\n", encoding="utf-8")
    return str(csv)


def _import(
    capsys: pytest.CaptureFixture[str], db: Path | str, tmp_path: Path, *options: str
) -> tuple[int, str, str]:
    """``shopkeeper --db DB [options] import customers`` of one new customer."""
    return run(capsys, "--db", str(db), *options, "import", "customers", _customers_csv(tmp_path))


def test_users_list_shows_names_roles_and_who_is_deactivated(
    staffed: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PIN_VARIABLE, "1111")
    assert run(capsys, "--db", str(staffed), "--user", "Olga", "users", "deactivate", "Cleo")[
        :2
    ] == (0, "Cleo can no longer sign in.\n")
    assert run(capsys, "users", "list", "--db", str(staffed))[:2] == (
        0,
        "Cleo\tClerk  (deactivated)\nOlga\tOwner\n",
    )


def test_a_clerk_may_not_import_and_is_told_who_may(
    staffed: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(PIN_VARIABLE, "3333")
    code, out, err = _import(capsys, staffed, tmp_path, "--user", "Cleo")
    assert (code, out) == (1, "")
    assert err == (
        "shopkeeper: Cleo (clerk) may not import data: ask a manager or the owner to do it.\n"
    )


def test_a_wrong_pin_is_refused_before_anything_runs(
    staffed: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(PIN_VARIABLE, "9999")
    code, _out, err = _import(capsys, staffed, tmp_path, "--user", "Olga")
    assert (code, err) == (1, "shopkeeper: That name and PIN do not match. Try again.\n")


def test_the_pin_is_asked_for_without_echo_when_not_in_the_environment(
    staffed: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(PIN_VARIABLE, raising=False)
    prompts: list[str] = []

    def getpass(prompt: str) -> str:
        prompts.append(prompt)
        return "1111"

    monkeypatch.setattr("app.cli_users.getpass.getpass", getpass)
    code, out, _err = _import(capsys, staffed, tmp_path, "--user", "Olga")
    assert code == 0 and "1 customer" in out
    assert prompts == ["PIN for Olga: "]


def test_without_user_a_local_file_is_changed_as_the_owner_and_says_so(
    staffed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _import(capsys, staffed, tmp_path)
    assert code == 0 and "1 customer" in out
    assert "acting as its owner on this computer's file" in err


def test_only_the_owner_changes_roles_and_a_user_changes_their_own_pin(
    staffed: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PIN_VARIABLE, "3333")
    code, _out, err = run(
        capsys, "--db", str(staffed), "--user", "Cleo", "users", "set-role", "Cleo", "manager"
    )
    assert (code, err) == (
        1,
        "shopkeeper: Cleo (clerk) may not add and change users: ask the owner to do it.\n",
    )
    monkeypatch.setenv(NEW_PIN_VARIABLE, "4321")
    assert run(capsys, "--db", str(staffed), "--user", "Cleo", "users", "set-pin", "Cleo")[:2] == (
        0,
        "Cleo's PIN was changed.\n",
    )
    monkeypatch.setenv(PIN_VARIABLE, "1111")
    assert run(
        capsys, "--db", str(staffed), "--user", "Olga", "users", "set-role", "cleo", "manager"
    )[:2] == (0, "Cleo is now a manager.\n")
    monkeypatch.setenv(PIN_VARIABLE, "4321")
    assert run(capsys, "--db", str(staffed), "--user", "Cleo", "users", "list")[1].startswith(
        "Cleo\tManager"
    )


def test_a_new_pin_typed_twice_must_match(
    shop: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = iter(["1234", "1243"])
    monkeypatch.setattr("app.cli_users.getpass.getpass", lambda prompt: next(answers))
    code, _out, err = run(capsys, "--db", str(shop), "users", "add", "Olga")
    assert (code, err) == (1, "shopkeeper: The two PINs differ; nothing was changed.\n")
    assert run(capsys, "--db", str(shop), "users", "list")[1].startswith("No users")


def test_a_shared_database_with_users_refuses_writes_without_user(
    postgres_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.conftest import reset_postgres

    reset_postgres(postgres_url)
    monkeypatch.setenv(NEW_PIN_VARIABLE, "1111")
    assert run(capsys, "--db", postgres_url, "--create", "users", "add", "Olga")[0] == 0
    code, _out, err = _import(capsys, postgres_url, tmp_path)
    assert code == 1
    assert "This shop has users and a shared database: give --user NAME" in err
    monkeypatch.setenv(PIN_VARIABLE, "1111")
    code, out, _err = _import(capsys, postgres_url, tmp_path, "--user", "Olga")
    assert code == 0 and "1 customer" in out


def test_a_command_that_only_reads_never_signs_in(
    staffed: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PIN_VARIABLE, "9999")  # wrong, and never checked: nothing is changed
    code, out, _err = run(capsys, "--db", str(staffed), "--user", "Olga", "export", "stock", "-")
    assert code == 0 and out.startswith("sku,")
