"""``shopkeeper send-notifications --once``: the outbox sent from a script."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.cli import main
from app.db import open_database
from app.domain import NotificationChannel
from app.services.notifications.settings import SecretStore, get_notification_settings
from tests.keyrings import MemoryKeyring
from tests.services.notify_shop import configure, enable_all, opt_in, outbox
from tests.services.receivers import webhook_server
from tests.services.shop import make_shop, order


@pytest.mark.usefixtures("private_settings")
def test_send_notifications_once_posts_what_is_due_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], memory_keyring: MemoryKeyring
) -> None:
    path = tmp_path / "shop.sqlite3"
    db = open_database(f"sqlite:///{path}", backup_dir=tmp_path / "bk")
    make_shop(db)
    enable_all(db)
    opt_in(db, "ANN", "BOB", channel=NotificationChannel.WEBHOOK)
    order(db, "ANN", ("WIDGET", 1), ref="SO-1")
    order(db, "BOB", ("WIDGET", 1), ref="SO-2")
    with webhook_server() as endpoint:
        configure(db, webhook_url=endpoint.url)
        with db.read() as session:
            SecretStore().set(get_notification_settings(session).webhook_key, "s3cret")
        db.dispose()
        assert main(["send-notifications", "--once", "--db", str(path)]) == 0
        assert sorted(p.json["order_ref"] for p in endpoint.posts) == ["SO-1", "SO-2"]
    assert capsys.readouterr().out == "Sent 2; 0 to try again later; 0 failed.\n"
    db = open_database(f"sqlite:///{path}", backup_dir=tmp_path / "bk")
    assert [row.status for row in outbox(db)] == ["sent", "sent"]
    db.dispose()
