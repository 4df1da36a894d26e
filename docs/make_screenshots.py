"""Take the README's screenshots from a fresh demo shop, in a real window.

Run under a real (or virtual) X server, e.g.::

    xvfb-run -a -s "-screen 0 1280x800x24" uv run python docs/make_screenshots.py [OUT_DIR]

It writes ``screenshot.png`` (the main window on the Backorders tab) and
``receive-dialog.png`` (a delivery being counted by scan: one line beyond outstanding) into
OUT_DIR (default: this folder). Nothing here is part of the app; it only drives it.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from app.db import open_database
from app.services.demo import build_demo_shop
from app.services.purchasing import open_purchase_order_refs, receivable_purchase_order
from app.ui.background import reads_under_way
from app.ui.dialogs.receive_stock import ReceiveStockDialog
from app.ui.main_window import MainWindow
from app.ui.style import apply_style


def settle(app: QApplication, ms: int = 400) -> None:
    """Let the window paint and background reads deliver."""
    for _ in range(100):
        loop = QEventLoop()
        QTimer.singleShot(ms // 10, loop.quit)
        loop.exec()
        if reads_under_way() == 0:
            break
    app.processEvents()


def grab(app: QApplication, widget: QWidget, path: Path) -> None:
    settle(app)
    screen = widget.screen()
    screen.grabWindow(widget.winId()).save(str(path))
    print(f"wrote {path}")


def main(out: Path) -> int:
    app = QApplication(sys.argv[:1])
    apply_style(app)
    folder = Path(tempfile.mkdtemp(prefix="shopkeeper-shots-"))
    database = open_database(f"sqlite:///{folder / 'demo.sqlite3'}", backup_dir=folder / "bk")
    with database.write() as session:
        build_demo_shop(session)
    window = MainWindow(database)
    window.resize(1240, 760)
    window.show()
    tabs = window.tabs
    tabs.setCurrentIndex(3)  # Backorders
    grab(app, window, out / "screenshot.png")

    with database.read() as session:
        ref = open_purchase_order_refs(session)[0]
        po = receivable_purchase_order(session, ref)
    dialog = ReceiveStockDialog(database, ref, parent=window)
    dialog.show()
    settle(app)
    line = next(line for line in po.lines if line.qty_outstanding > 0)
    for _ in range(line.qty_outstanding + 1):  # counted by scan, one beyond outstanding
        dialog.scan.setText(line.barcode or line.sku)
        dialog.scan.returnPressed.emit()
        app.processEvents()
    grab(app, dialog, out / "receive-dialog.png")
    dialog.reject()
    window.close()
    database.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent))
