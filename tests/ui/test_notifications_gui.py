"""Customer notifications in the window: the sending settings (secrets in the keyring, a
test message to a real webhook), the template editor's live preview before enabling, the
Notifications view (filters, Retry, Send now) and the customer's opt-in."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import insert, select

from app.db import Database
from app.domain import Customer, NotificationChannel, NotificationEvent, SalesOrder
from app.services.notifications.customers import get_customer_notifications
from app.services.notifications.listing import PAGE
from app.services.notifications.outbox import Event, enqueue
from app.services.notifications.sender import send_due
from app.services.notifications.settings import (
    SecretStore,
    SmtpSecurity,
    get_notification_settings,
)
from app.services.notifications.templates import get_template
from app.services.notifications.transports import build_transports
from app.ui.dialogs.customer import CustomerDialog
from app.ui.dialogs.notifications_view import NotificationsDialog
from app.ui.dialogs.settings import SettingsDialog
from app.ui.dialogs.settings_messages import MessagesPage
from app.ui.dialogs.settings_notifications import NotificationsPage
from app.ui.models import notifications_model
from app.ui.models.notifications_model import NotificationsModel
from tests.keyrings import MemoryKeyring
from tests.services.certificates import self_signed
from tests.services.notify_shop import configure, enable_all, opt_in, outbox
from tests.services.receivers import smtp_server, webhook_server
from tests.services.shop import make_shop, order
from tests.ui.conftest import wait_for_saves
from tests.ui.settings_pages import press_ok, settings_with
from tests.ui.shop_data import show_active


@pytest.fixture
def notify_shop(sqlite_db: Database) -> Database:
    make_shop(sqlite_db)
    return sqlite_db


def ok(qtbot: QtBot, dialog: SettingsDialog) -> None:
    press_ok(qtbot, dialog)
    wait_for_saves(qtbot)


def retype(qtbot: QtBot, edit: object, text: str) -> None:
    edit.selectAll()  # type: ignore[attr-defined]
    qtbot.keyClicks(edit, text)


def test_sending_settings_are_saved_for_the_shop_and_secrets_in_the_keyring(
    qtbot: QtBot, notify_shop: Database, memory_keyring: MemoryKeyring
) -> None:
    page = NotificationsPage(notify_shop)
    dialog = settings_with(qtbot, page)
    retype(qtbot, page.shop_name, "Corner Shop")
    retype(qtbot, page.host, "smtp.example.com")
    page.security.setCurrentIndex(page.security.findData(page.security.itemData(1)))  # SSL
    assert page.port.value() == 465  # the usual port follows the security
    retype(qtbot, page.user, "shop@example.com")
    retype(qtbot, page.password, "mail-pass")
    retype(qtbot, page.from_address, "shop@example.com")
    retype(qtbot, page.webhook, "https://hooks.example.com/shop")
    retype(qtbot, page.secret, "s3cret")
    assert not page.attach_sheet.isChecked()
    qtbot.keyClick(page.attach_sheet, Qt.Key.Key_Space)
    ok(qtbot, dialog)
    assert dialog.result() == dialog.DialogCode.Accepted
    with notify_shop.read() as session:
        saved = get_notification_settings(session)
    assert saved.attach_status_sheet
    assert (saved.shop_name, saved.smtp_host, saved.smtp_port, saved.smtp_security.value) == (
        "Corner Shop",
        "smtp.example.com",
        465,
        "ssl",
    )
    assert SecretStore().get(saved.smtp_key) == "mail-pass"
    assert SecretStore().get(saved.webhook_key) == "s3cret"
    assert "mail-pass" not in repr(saved)  # never in the shop database
    page = NotificationsPage(notify_shop)
    settings_with(qtbot, page)
    assert page.password.text() == ""
    assert page.password.placeholderText() == "Kept in this computer's keyring"
    assert page.attach_sheet.isChecked()


def test_a_bad_webhook_address_is_refused_in_plain_words(
    qtbot: QtBot, notify_shop: Database, memory_keyring: MemoryKeyring
) -> None:
    page = NotificationsPage(notify_shop)
    dialog = settings_with(qtbot, page)
    retype(qtbot, page.webhook, "hooks.example.com")
    ok(qtbot, dialog)
    assert dialog.isVisible()
    assert (
        dialog.message.text() == "'hooks.example.com' is not a web address: it starts with https://"
    )


def test_a_test_message_reaches_the_webhook_and_says_so(
    qtbot: QtBot, notify_shop: Database, memory_keyring: MemoryKeyring
) -> None:
    page = NotificationsPage(notify_shop)
    settings_with(qtbot, page)
    with webhook_server() as endpoint:
        retype(qtbot, page.webhook, endpoint.url)
        retype(qtbot, page.secret, "s3cret")
        page.test_channel.setCurrentIndex(1)
        assert not page.test_to.isVisible()
        qtbot.mouseClick(page.test_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: page.test_button.isEnabled(), timeout=10000)
        assert page.test_result.text() == "Test message posted to the webhook"
        [post] = endpoint.posts
    assert post.json["event"] == "test"
    assert post.headers["X-Shopkeeper-Signature"].startswith("sha256=")


def test_the_template_preview_names_the_attached_status_sheet(
    qtbot: QtBot, notify_shop: Database
) -> None:
    opt_in(notify_shop, "ANN")
    order(notify_shop, "ANN", ("WIDGET", 2), ref="SO-1")
    configure(notify_shop, attach_status_sheet=True)
    page = MessagesPage(notify_shop)
    settings_with(qtbot, page)
    qtbot.waitUntil(lambda: "Dear Ann," in page.preview.toPlainText(), timeout=10000)
    assert page.preview.toPlainText().endswith(
        "\n\nAttached: order-status-SO-1.html (the order status sheet)"
    )


def test_the_template_preview_shows_the_exact_message_before_it_can_be_enabled(
    qtbot: QtBot, notify_shop: Database
) -> None:
    opt_in(notify_shop, "ANN")
    order(notify_shop, "ANN", ("WIDGET", 2), ref="SO-1")
    configure(notify_shop)
    page = MessagesPage(notify_shop)
    dialog = settings_with(qtbot, page)
    assert page.order_ref.text() == "SO-1"  # the newest order, to start with
    qtbot.waitUntil(lambda: "Dear Ann," in page.preview.toPlainText(), timeout=10000)
    assert page.preview.toPlainText().startswith("Subject: Your order SO-1 is on backorder\n")
    assert page.preview.toPlainText().endswith("Corner Shop")
    qtbot.waitUntil(page.enabled.isEnabled, timeout=10000)

    retype(qtbot, page.subject, "About {order_reff}")
    assert not page.enabled.isEnabled()  # not until the preview shows again
    qtbot.waitUntil(lambda: page.preview_message.isVisible(), timeout=10000)
    assert "uses {order_reff}, which is not a placeholder" in page.preview_message.text()
    assert not page.enabled.isEnabled()

    retype(qtbot, page.subject, "News of {order_ref} for {customer_name}")
    qtbot.waitUntil(
        lambda: page.preview.toPlainText().startswith("Subject: News of SO-1 for Ann\n"),
        timeout=10000,
    )
    qtbot.waitUntil(page.enabled.isEnabled, timeout=10000)
    page.enabled.setChecked(True)
    ok(qtbot, dialog)
    with notify_shop.read() as session:
        template = get_template(session, NotificationEvent.BACKORDERED)
    assert (template.subject, template.enabled) == ("News of {order_ref} for {customer_name}", True)
    order(notify_shop, "ANN", ("WIDGET", 1), ref="SO-2")
    assert [row.event for row in outbox(notify_shop)] == ["backordered"]


@pytest.fixture
def failed_and_pending(notify_shop: Database) -> Database:
    enable_all(notify_shop)
    opt_in(notify_shop, "ANN", "BOB", channel=NotificationChannel.WEBHOOK)
    order(notify_shop, "ANN", ("WIDGET", 1), ref="SO-1")
    order(notify_shop, "BOB", ("WIDGET", 1), ref="SO-2")
    send_due(notify_shop, {}, max_attempts=1, limit=1, batches=1)  # SO-1 fails: no webhook
    return notify_shop


def test_the_notifications_model_passes_the_model_tester(
    qtbot: QtBot, qtmodeltester, failed_and_pending: Database
) -> None:
    model = NotificationsModel(failed_and_pending)
    model.reload()
    qtbot.waitUntil(lambda: not model.loading)
    qtmodeltester.check(model)
    assert model.rowCount() == 2


def test_the_notifications_view_reads_off_the_gui_thread_and_keeps_the_window_alive(
    qtbot: QtBot, failed_and_pending: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rows are read on another thread: while a read is held up (a big outbox, a busy
    server) the dialog is up, says it is reading, and takes typing."""
    release = threading.Event()
    readers: list[threading.Thread] = []
    real = notifications_model.list_notifications

    def held_up(*args: Any, **kwargs: Any) -> Any:
        readers.append(threading.current_thread())
        release.wait(timeout=30)
        return real(*args, **kwargs)

    monkeypatch.setattr(notifications_model, "list_notifications", held_up)
    dialog = NotificationsDialog(failed_and_pending)  # returns while the read is held up
    qtbot.addWidget(dialog)
    show_active(qtbot, dialog)
    qtbot.waitUntil(lambda: len(readers) == 1)
    assert threading.main_thread() not in readers
    assert dialog.reading.isVisible() and dialog.model.rowCount() == 0
    qtbot.waitUntil(lambda: dialog.counts.text() == "1 pending · 0 sent · 1 failed")
    qtbot.keyClicks(dialog.search, "SO-")
    assert dialog.search.text() == "SO-"
    release.set()
    qtbot.waitUntil(lambda: not dialog.model.loading and dialog.model.rowCount() == 2)
    assert not dialog.reading.isVisible()
    assert threading.main_thread() not in readers


def test_the_notifications_view_pages_a_big_outbox_as_it_scrolls(
    qtbot: QtBot, notify_shop: Database
) -> None:
    enable_all(notify_shop, NotificationEvent.READY_TO_SHIP)
    with notify_shop.write() as session:
        customer = session.scalars(select(Customer.id).order_by(Customer.id)).first()
        assert customer is not None
        session.execute(
            insert(SalesOrder),
            [{"ref": f"SO-BIG-{n}", "customer_id": customer} for n in range(PAGE * 2 + 5)],
        )
        orders = list(session.scalars(select(SalesOrder.id).where(SalesOrder.ref.like("SO-BIG-%"))))
        reach = {order_id: (customer, NotificationChannel.EMAIL) for order_id in orders}
        enqueue(session, [Event(o, NotificationEvent.READY_TO_SHIP) for o in orders], reach=reach)
    dialog = NotificationsDialog(notify_shop)
    qtbot.addWidget(dialog)
    show_active(qtbot, dialog)
    qtbot.waitUntil(lambda: dialog.model.rowCount() == PAGE and not dialog.model.loading)
    for loaded in (PAGE * 2, PAGE * 2 + 5):
        dialog.table.scrollToBottom()
        qtbot.waitUntil(lambda loaded=loaded: dialog.model.rowCount() == loaded)
    qtbot.waitUntil(lambda: not dialog.model.loading)
    assert not dialog.model.canFetchMore()
    ids = [row.id for row in (dialog.model.row_at(n) for n in range(PAGE * 2 + 5)) if row]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == PAGE * 2 + 5


def test_the_notifications_view_filters_and_retries_a_failed_message(
    qtbot: QtBot, failed_and_pending: Database
) -> None:
    dialog = NotificationsDialog(failed_and_pending)
    qtbot.addWidget(dialog)
    show_active(qtbot, dialog)
    qtbot.waitUntil(lambda: dialog.counts.text() == "1 pending · 0 sent · 1 failed")
    dialog.show_status(dialog.status.itemData(3))  # Failed
    qtbot.waitUntil(lambda: not dialog.model.loading and dialog.model.rowCount() == 1)
    row = dialog.model.row_at(0)
    assert row is not None and row.order_ref == "SO-1"
    assert row.last_error == "No webhook address is set (Settings > Notifications)"
    dialog.table.selectRow(0)
    qtbot.waitUntil(lambda: dialog.preview.toPlainText().startswith("Subject: Your order SO-1"))
    assert dialog.retry_button.isEnabled()
    with webhook_server() as endpoint:
        configure(failed_and_pending, webhook_url=endpoint.url)
        qtbot.mouseClick(dialog.retry_button, Qt.MouseButton.LeftButton)
        wait_for_saves(qtbot)
        qtbot.waitUntil(lambda: not dialog.send_round.sending, timeout=10000)
        qtbot.waitUntil(lambda: dialog.counts.text() == "0 pending · 2 sent · 0 failed")
        assert sorted(p.json["order_ref"] for p in endpoint.posts) == ["SO-1", "SO-2"]
    qtbot.waitUntil(lambda: not dialog.model.loading)
    assert dialog.model.rowCount() == 0  # still showing failed ones: none now
    qtbot.keyClicks(dialog.search, "SO-2")
    dialog.show_status(None)
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1)


def test_the_customer_dialog_records_the_opt_in_and_channel(
    qtbot: QtBot, notify_shop: Database
) -> None:
    dialog = CustomerDialog(notify_shop, "ANN")
    qtbot.addWidget(dialog)
    show_active(qtbot, dialog)
    assert not dialog.notify.isChecked() and not dialog.channel.isEnabled()
    dialog.notify.setChecked(True)
    dialog.channel.setCurrentIndex(dialog.channel.findData(NotificationChannel.WEBHOOK))
    qtbot.keyClick(dialog.name, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    wait_for_saves(qtbot)
    with notify_shop.read() as session:
        chosen = get_customer_notifications(session, "ANN")
    assert (chosen.opt_in, chosen.channel) == (True, NotificationChannel.WEBHOOK)


def test_a_refused_smtp_login_shows_on_its_message_in_the_view(
    qtbot: QtBot,
    notify_shop: Database,
    memory_keyring: MemoryKeyring,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    certificate = self_signed(tmp_path / "tls")
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate.cert))  # this computer trusts it
    enable_all(notify_shop)
    opt_in(notify_shop, "ANN")
    order(notify_shop, "ANN", ("WIDGET", 1), ref="SO-1")
    with smtp_server(security="starttls", certificate=certificate, accounts={"shop": "right"}) as (
        box,
        port,
    ):
        configure(notify_shop, smtp_port=port, security=SmtpSecurity.STARTTLS, smtp_user="shop")
        with notify_shop.read() as session:
            settings = get_notification_settings(session)
        SecretStore().set(settings.smtp_key, "wrong")
        assert send_due(notify_shop, build_transports(settings)).retrying == 1
    assert box.messages == []
    dialog = NotificationsDialog(notify_shop)
    qtbot.addWidget(dialog)
    show_active(qtbot, dialog)
    qtbot.waitUntil(lambda: not dialog.model.loading and dialog.model.rowCount() == 1)
    error = dialog.model.index(0, len(dialog.model.columns) - 1)
    status = dialog.model.index(0, 5)
    assert error.data() == "The SMTP server refused the user name or password"
    assert status.data() == "Pending"
    assert status.data(Qt.ItemDataRole.ToolTipRole).startswith("Tried once; next try ")
