"""The Notifications page of Settings: how the shop sends customer messages.

The SMTP server (host, port, security, user, sender address) and the webhook address are the
whole shop's (``ShopSetting``); the SMTP password and the webhook's signing secret go to this
computer's keyring, never into the shop database (each sending computer keeps its own).
"Send a test message" sends through the values shown, saved or not, off the GUI thread, and
says what happened under the button. Saving the shop's values runs off the GUI thread too.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.db import Database
from app.domain import NotificationChannel
from app.services.notifications.settings import (
    NotificationSettings,
    SecretStore,
    SmtpSecurity,
    check_notification_settings,
    get_notification_settings,
    save_notification_settings,
)
from app.services.notifications.transports import send_test_message
from app.ui.background import LatestRead
from app.ui.dialogs.settings_page import ShopSettingsPage, hint_label, page_heading
from app.ui.dialogs.widgets import MessageLabel
from app.ui.writing import failure_text

#: The usual port of each kind of security, offered when the security changes.
_PORTS = {SmtpSecurity.STARTTLS: 587, SmtpSecurity.SSL: 465, SmtpSecurity.NONE: 25}
_KEPT = "Kept in this computer's keyring"


def _field(name: str, *, password: bool = False, placeholder: str = "") -> QLineEdit:
    edit = QLineEdit()
    edit.setObjectName(name)
    if password:
        edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setPlaceholderText(placeholder)
    return edit


class NotificationsPage(ShopSettingsPage):
    title = "Notifications"

    def __init__(self, database: Database, parent: QWidget | None = None) -> None:
        super().__init__(database, "notificationsSettingsPage", parent)
        self.secrets = SecretStore()
        self._saved = NotificationSettings()
        self._tester: LatestRead[str] = LatestRead(self)

        self.shop_name = _field("notifyShopName", placeholder="Corner Shop")
        self.host = _field("smtpHost", placeholder="smtp.example.com")
        self.port = QSpinBox()
        self.port.setObjectName("smtpPort")
        self.port.setRange(1, 65535)
        self.security = QComboBox()
        self.security.setObjectName("smtpSecurity")
        for security in SmtpSecurity:
            self.security.addItem(security.label, security)
        self.user = _field("smtpUser", placeholder="shop@example.com")
        self.password = _field("smtpPassword", password=True)
        self.from_address = _field("smtpFrom", placeholder="shop@example.com")
        self.webhook = _field("webhookUrl", placeholder="https://hooks.zapier.com/…")
        self.secret = _field("webhookSecret", password=True)
        self.automatic = QCheckBox("Send messages &automatically while this window is open")
        self.automatic.setObjectName("sendAutomatically")
        self.attach_sheet = QCheckBox(
            "Attach the &order status sheet to each message (a page by e-mail, its lines and "
            "dates to the webhook)"
        )
        self.attach_sheet.setObjectName("attachStatusSheet")

        mail = QGroupBox("E-mail (SMTP)")
        mail_form = QFormLayout(mail)
        server = QHBoxLayout()
        server.addWidget(self.host, 1)
        server.addWidget(QLabel("Port:"))
        server.addWidget(self.port)
        server_label = QLabel("&Server:")
        server_label.setBuddy(self.host)
        mail_form.addRow(server_label, server)
        mail_form.addRow("Se&curity:", self.security)
        mail_form.addRow("&User:", self.user)
        mail_form.addRow("&Password:", self.password)
        mail_form.addRow("&From address:", self.from_address)
        hook = QGroupBox("Webhook (Zapier, Make…)")
        hook_form = QFormLayout(hook)
        hook_form.addRow("&Address:", self.webhook)
        hook_form.addRow("Si&gning secret:", self.secret)

        self.test_to = _field("testMessageTo", placeholder="where the test e-mail goes")
        self.test_channel = QComboBox()
        self.test_channel.setObjectName("testMessageChannel")
        self.test_channel.addItem("by e-mail to", NotificationChannel.EMAIL)
        self.test_channel.addItem("to the webhook", NotificationChannel.WEBHOOK)
        self.test_button = QPushButton("Send a &test message")
        self.test_button.setObjectName("sendTestMessageButton")
        self.test_result = MessageLabel()
        self.test_result.setObjectName("testMessageResult")
        test = QHBoxLayout()
        test.addWidget(self.test_button)
        test.addWidget(self.test_channel)
        test.addWidget(self.test_to, 1)

        top = QFormLayout()
        top.addRow("Shop &name in messages:", self.shop_name)
        heading = page_heading("Customer messages")
        note = hint_label(
            "Every till shares these, except the password and the signing secret, which stay "
            "in this computer's keyring. Which messages are sent, and their wording: the "
            "Messages page."
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(heading)
        layout.addLayout(top)
        layout.addWidget(mail)
        layout.addWidget(hook)
        layout.addWidget(self.automatic)
        layout.addWidget(self.attach_sheet)
        layout.addLayout(test)
        layout.addWidget(self.test_result)
        layout.addWidget(note)
        layout.addStretch(1)

        self.security.currentIndexChanged.connect(self._security_changed)
        self.test_channel.currentIndexChanged.connect(self._test_channel_changed)
        self.test_button.clicked.connect(self.send_test)

    # --- values ------------------------------------------------------------------------------

    def load(self) -> None:
        with self.database.read() as session:
            self._saved = get_notification_settings(session)
        s = self._saved
        self.shop_name.setText(s.shop_name)
        self.shop_name.setPlaceholderText(s.printed_name or "Corner Shop")  # what is used if empty
        self.host.setText(s.smtp_host)
        self.security.blockSignals(True)
        self.security.setCurrentIndex(self.security.findData(s.smtp_security))
        self.security.blockSignals(False)
        self.port.setValue(s.smtp_port)
        self.user.setText(s.smtp_user)
        self.from_address.setText(s.from_address)
        self.webhook.setText(s.webhook_url)
        self.automatic.setChecked(s.send_automatically)
        self.attach_sheet.setChecked(s.attach_status_sheet)
        self.test_to.setText(s.from_address)
        for edit, key, present in (
            (self.password, s.smtp_key, bool(s.smtp_user)),
            (self.secret, s.webhook_key, bool(s.webhook_url)),
        ):
            edit.clear()
            kept = present and bool(self.secrets.get(key))
            edit.setPlaceholderText(_KEPT if kept else "")

    def shown(self) -> NotificationSettings:
        """The settings as typed (not checked)."""
        return NotificationSettings(
            shop_name=self.shop_name.text(),
            smtp_host=self.host.text(),
            smtp_port=self.port.value(),
            smtp_security=SmtpSecurity(self.security.currentData()),
            smtp_user=self.user.text(),
            from_address=self.from_address.text(),
            webhook_url=self.webhook.text(),
            send_automatically=self.automatic.isChecked(),
            attach_status_sheet=self.attach_sheet.isChecked(),
        )

    def _security_changed(self) -> None:
        if self.port.value() in _PORTS.values():
            self.port.setValue(_PORTS[SmtpSecurity(self.security.currentData())])

    def _test_channel_changed(self) -> None:
        self.test_to.setVisible(self.test_channel.currentData() == NotificationChannel.EMAIL)

    def _store_secrets(self, settings: NotificationSettings) -> None:
        """Typed secrets go to the keyring (an empty field keeps what is there)."""
        if self.password.text():
            self.secrets.set(settings.smtp_key, self.password.text())
        if self.secret.text():
            self.secrets.set(settings.webhook_key, self.secret.text())

    # --- saving ------------------------------------------------------------------------------

    def apply(self) -> None:
        """Check what is shown (InvalidInput says what is wrong), keep the secrets typed, and
        save the shop's values off the GUI thread if they changed."""
        settings = check_notification_settings(self.shown())
        self._store_secrets(settings)
        if settings == self._saved:
            return

        def done(saved: NotificationSettings) -> str:
            self._saved = saved
            return "Notification settings saved"

        self.save(
            lambda session: save_notification_settings(session, settings),
            label="Saving the notification settings…",
            done=done,
        )

    # --- test message ------------------------------------------------------------------------

    def send_test(self) -> None:
        """Send a test message through the values shown (a typed secret is kept first)."""
        try:
            settings = check_notification_settings(self.shown())
            self._store_secrets(settings)
        except Exception as error:
            self.test_result.show_error(failure_text(error))
            return
        channel = NotificationChannel(self.test_channel.currentData())
        to = self.test_to.text().strip()
        self.test_button.setEnabled(False)
        self.test_result.show_info("Sending a test message…")
        self._tester.start(
            lambda: send_test_message(settings, channel, to),
            self._tested,
            self._test_failed,
        )

    def _tested(self, text: str) -> None:
        self.test_button.setEnabled(True)
        self.test_result.show_info(text)

    def _test_failed(self, error: Exception) -> None:
        self.test_button.setEnabled(True)
        self.test_result.show_error(str(error) or failure_text(error))
