"""Where the windows were: the main window's size and place, each table's column widths and
each dialog's size, remembered on this computer across runs.

Kept in a small JSON file next to the local settings (``app.db.config.settings_path``), not in
the shop database: the layout belongs to this screen, not to the shop every till shares. A
missing or damaged file only means the default layout. Whatever is restored is fitted to the
screen the window is on now (a laptop after a big monitor), so nothing opens off-screen.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QRect
from PySide6.QtWidgets import QHeaderView, QTableView, QWidget

from app.db import config

log = logging.getLogger(__name__)

STATE_FILE = "window-state.json"


def state_path() -> Path:
    """Next to the local settings file (looked up on ``config``, where tests redirect it)."""
    settings: Path = config.settings_path()  # type: ignore[attr-defined]
    return settings.with_name(STATE_FILE)


def load_state() -> dict[str, Any]:
    try:
        data = json.loads(state_path().read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        log.warning("the remembered window layout could not be read; using the default")
        return {}
    return data if isinstance(data, dict) else {}


def save_state(updates: dict[str, Any]) -> None:
    """Merge ``updates`` into the file (written whole, then renamed: never half a file)."""
    path = state_path()
    data = load_state() | updates
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=path.parent, suffix=".tmp", delete=False
        ) as out:
            json.dump(data, out, indent=1, sort_keys=True)
        os.replace(out.name, path)
    except OSError:
        log.warning("the window layout could not be saved", exc_info=True)


def fit_to_screen(widget: QWidget) -> None:
    """Shrink (and move) ``widget`` so all of it is on the screen's available area."""
    screen = widget.screen()
    if screen is None:
        return
    area = screen.availableGeometry()
    frame = widget.frameGeometry()
    extra_w = frame.width() - widget.width()
    extra_h = frame.height() - widget.height()
    width = min(widget.width(), area.width() - extra_w)
    height = min(widget.height(), area.height() - extra_h)
    if (width, height) != (widget.width(), widget.height()):
        widget.resize(max(width, widget.minimumWidth()), max(height, widget.minimumHeight()))
    frame = widget.frameGeometry()
    if not area.contains(frame):
        moved = QRect(frame)
        moved.moveLeft(max(area.left(), min(frame.left(), area.right() - frame.width() + 1)))
        moved.moveTop(max(area.top(), min(frame.top(), area.bottom() - frame.height() + 1)))
        widget.move(moved.topLeft())


# --- the main window ------------------------------------------------------------------------


def remember_window(window: QWidget, tables: list[QTableView]) -> None:
    """Save ``window``'s geometry and its tables' column widths."""
    updates: dict[str, Any] = {
        f"window.{window.objectName()}": bytes(window.saveGeometry().toBase64().data()).decode()
    }
    for table in tables:
        updates[f"columns.{table.objectName()}"] = column_widths(table)
    save_state(updates)


def restore_window(window: QWidget, tables: list[QTableView]) -> None:
    """Put ``window`` back where it was and its tables' columns as wide as they were."""
    state = load_state()
    saved = state.get(f"window.{window.objectName()}")
    if isinstance(saved, str):
        window.restoreGeometry(QByteArray.fromBase64(saved.encode()))
    fit_to_screen(window)
    for table in tables:
        widths = state.get(f"columns.{table.objectName()}")
        if isinstance(widths, list):
            set_column_widths(table, widths)


def column_widths(table: QTableView) -> list[int]:
    header = table.horizontalHeader()
    return [header.sectionSize(n) for n in range(header.count())]


def set_column_widths(table: QTableView, widths: list[Any]) -> None:
    """Widths of the columns a person sizes (a stretched column fills what is left)."""
    header = table.horizontalHeader()
    if len(widths) != header.count():
        return  # the table's columns changed since: keep the default widths
    for number, width in enumerate(widths):
        interactive = header.sectionResizeMode(number) == QHeaderView.ResizeMode.Interactive
        if interactive and isinstance(width, int) and 10 <= width <= 2000:
            header.resizeSection(number, width)


# --- dialogs --------------------------------------------------------------------------------


def dialog_key(dialog: QWidget) -> str:
    return f"dialog.{type(dialog).__name__}"


def restore_dialog_size(dialog: QWidget) -> None:
    size = load_state().get(dialog_key(dialog))
    if (
        isinstance(size, list)
        and len(size) == 2
        and all(isinstance(n, int) and 100 <= n <= 10000 for n in size)
    ):
        dialog.resize(max(size[0], dialog.minimumWidth()), max(size[1], dialog.minimumHeight()))
    fit_to_screen(dialog)


def remember_dialog_size(dialog: QWidget) -> None:
    save_state({dialog_key(dialog): [dialog.width(), dialog.height()]})
