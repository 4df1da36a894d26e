"""The shop as its documents name it (Settings > Shop): name, address, phone and logo.

The logo is picked from a file, shown as it will print, and kept in the shop database
(``shop_settings.set_shop_identity`` checks it: a PNG, JPEG or GIF of at most 512 KB), so
every till prints the same letterhead.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import InvalidInput
from app.services.shop_settings import (
    MAX_SHOP_NAME,
    MAX_SHOP_PHONE,
    ShopIdentity,
    check_logo,
)
from app.ui.dialogs.settings_page import hint_label

#: The logo preview's box (pixels): about as large as the logo prints beside the address.
PREVIEW_SIZE = (180, 72)


class LetterheadBox(QGroupBox):
    """Name, address, phone and logo; ``identity()`` is what is shown, unchecked."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("On printed documents", parent)
        self.setObjectName("shopLetterhead")
        self.logo: bytes | None = None
        self.name = QLineEdit()
        self.name.setObjectName("shopName")
        self.name.setMaxLength(MAX_SHOP_NAME)
        self.name.setPlaceholderText("The shop's name as customers know it")
        self.address = QPlainTextEdit()
        self.address.setObjectName("shopAddress")
        self.address.setTabChangesFocus(True)
        self.address.setPlaceholderText("Street\nTown and postcode")
        self.address.setFixedHeight(self.fontMetrics().lineSpacing() * 4 + 12)
        self.phone = QLineEdit()
        self.phone.setObjectName("shopPhone")
        self.phone.setMaxLength(MAX_SHOP_PHONE)

        self.preview = QLabel()
        self.preview.setObjectName("shopLogoPreview")
        self.preview.setFixedSize(*PREVIEW_SIZE)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setProperty("role", "hint")
        self.choose = QPushButton("C&hoose logo…")
        self.choose.setObjectName("shopLogoChoose")
        self.choose.clicked.connect(lambda: self.choose_logo())
        self.remove = QPushButton("&Remove logo")
        self.remove.setObjectName("shopLogoRemove")
        self.remove.clicked.connect(lambda: self.set_logo(None))
        self.logo_message = hint_label()
        self.logo_message.setObjectName("shopLogoMessage")
        buttons = QVBoxLayout()
        buttons.addWidget(self.choose)
        buttons.addWidget(self.remove)
        buttons.addStretch(1)
        logo_row = QHBoxLayout()
        logo_row.addWidget(self.preview)
        logo_row.addLayout(buttons)
        logo_row.addStretch(1)

        form = QFormLayout(self)
        for text, widget in (
            ("&Name:", self.name),
            ("A&ddress:", self.address),
            ("P&hone:", self.phone),
        ):
            label = QLabel(text)
            label.setBuddy(widget)
            form.addRow(label, widget)
        form.addRow("Logo:", logo_row)
        form.addRow("", self.logo_message)
        self.set_logo(None)

    def load(self, identity: ShopIdentity) -> None:
        self.name.setText(identity.name)
        self.address.setPlainText(identity.address)
        self.phone.setText(identity.phone)
        self.set_logo(identity.logo)

    def identity(self) -> ShopIdentity:
        return ShopIdentity(
            name=self.name.text(),
            address=self.address.toPlainText(),
            phone=self.phone.text(),
            logo=self.logo,
        )

    def set_logo(self, data: bytes | None) -> None:
        """Show ``data`` as the logo (None: no logo)."""
        self.logo = data
        self.remove.setEnabled(data is not None)
        self.logo_message.clear()
        if data is None:
            self.preview.setPixmap(QPixmap())
            self.preview.setText("No logo")
            return
        pixmap = QPixmap()
        pixmap.loadFromData(data)
        self.preview.setPixmap(
            pixmap.scaled(
                *PREVIEW_SIZE,
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        )

    def choose_logo(self, path: Path | None = None) -> None:
        """Ask for an image (unless ``path``); one that cannot be a logo is refused here,
        saying why, and the logo shown stays."""
        if path is None:
            chosen, _ = QFileDialog.getOpenFileName(
                self, "Choose the shop's logo", "", "Images (*.png *.jpg *.jpeg *.gif)"
            )
            if not chosen:
                return
            path = Path(chosen)
        try:
            data = check_logo(path.read_bytes())
        except OSError as error:
            self.logo_message.setText(f"Cannot read {path.name}: {error.strerror or error}")
            return
        except InvalidInput as error:
            self.logo_message.setText(str(error))
            return
        if QPixmap().loadFromData(data) is False:
            self.logo_message.setText(f"{path.name} is damaged: it cannot be shown.")
            return
        self.set_logo(data)
