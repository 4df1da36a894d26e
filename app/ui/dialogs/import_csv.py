"""Import a CSV file from the window: the same all-or-nothing import as ``shopkeeper import``.

The clerk picks what the file holds (products, suppliers, customers, orders, purchase
orders) and the file; the import runs off the GUI thread. Either every row is imported and
the dialog says how many, or nothing is and it says which row was wrong and why.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.db import Database
from app.services.importing import COLUMNS, KINDS, ImportResult, import_csv
from app.ui.dialogs.widgets import (
    KeyboardDialog,
    MessageLabel,
    no_auto_default,
    submit_buttons,
    tab_order,
)

#: The order a new shop imports in: who supplies, what is sold, who buys, then documents.
_ORDER = ("suppliers", "products", "customers", "orders", "purchase-orders")


def _label(kind: str) -> str:
    return kind.replace("-", " ").capitalize()


class ImportDialog(KeyboardDialog):
    """Pick a kind and a CSV file; import it, all rows or none. Stays open after an import
    (a new shop imports suppliers, then products, then customers)."""

    def __init__(
        self, database: Database, kind: str | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.database = database
        self.results: list[ImportResult] = []
        self.setObjectName("ImportDialog")
        self.setWindowTitle("Import CSV files")
        self.message = MessageLabel()
        self.kind = QComboBox()
        self.kind.setObjectName("importKindInput")
        for name in sorted(KINDS, key=lambda k: _ORDER.index(k) if k in _ORDER else 99):
            self.kind.addItem(_label(name), name)
        if kind:
            self.kind.setCurrentIndex(max(0, self.kind.findData(kind)))
        self.columns = QLabel()
        self.columns.setObjectName("importColumnsLabel")
        self.columns.setWordWrap(True)
        self.kind.currentIndexChanged.connect(self._show_columns)
        self.path = QLineEdit()
        self.path.setObjectName("importFileInput")
        self.path.setPlaceholderText("The CSV file to import")
        browse = QPushButton("Choose file…")
        browse.setObjectName("chooseImportFileButton")
        browse.clicked.connect(self.choose_file)
        file_row = QHBoxLayout()
        file_row.addWidget(self.path, 1)
        file_row.addWidget(browse)
        form = QFormLayout()
        form.addRow("&What the file holds:", self.kind)
        form.addRow("", self.columns)
        form.addRow("&File:", file_row)
        intro = QLabel(
            "Every row is imported, or none: a wrong row is named and nothing is written. "
            "Import suppliers first, then products, then customers."
        )
        intro.setWordWrap(True)
        self.buttons, self.import_button, cancel = submit_buttons(
            self, "Import", "importButton", "Import every row of the file"
        )
        cancel.setText("Close")
        no_auto_default(self.import_button, cancel, browse)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        tab_order(self.kind, self.path, browse, self.import_button, cancel)
        self.resize(560, 0)
        self._show_columns()

    def _show_columns(self, *_args: object) -> None:
        kind = self.kind.currentData()
        self.columns.setText("Columns: " + ", ".join(COLUMNS.get(kind, ())))

    def choose_file(self) -> None:
        dialog = QFileDialog(self, "Choose a CSV file", "", "CSV files (*.csv);;All files (*)")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(self.path.setText)
        dialog.open()

    def submit(self) -> None:
        path, kind = self.path.text().strip(), self.kind.currentData()
        if not path:
            self.message.show_error("Choose the CSV file to import")
            return
        self.save(
            self.database,
            lambda session: import_csv(session, kind, path),
            label=f"Importing {_label(kind).lower()}…",
            done=self._imported,
        )

    def _imported(self, result: ImportResult) -> None:
        self.results.append(result)
        self.outcome = result.summary()
        self.message.show_info(result.summary())
        self.path.clear()
