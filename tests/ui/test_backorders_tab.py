"""The Backorders tab as a manager uses it: pin, move, filter, and change who is served first."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QRadioButton, QToolButton
from pytestqt.qtbot import QtBot

from app.db import Database
from app.domain.base import utcnow
from app.domain.enums import QueuePolicy
from app.services import queue
from app.services.ordering import LineRequest, place_order
from app.ui.dialogs.settings_priority import QueuePriorityDialog
from app.ui.models.backorders_model import BackordersModel
from app.ui.tabs.backorders_tab import BackordersTab
from tests.services.shop import T0, line_id
from tests.services.test_queue_policy import shop_with_gold
from tests.ui.conftest import wait_for_saves
from tests.ui.test_models import cells


@pytest.fixture
def tab(qtbot: QtBot, sqlite_db: Database) -> BackordersTab:
    """WIDGET's queue: SO-1 ANN, SO-2 GIL (gold), SO-3 BOB, SO-4 GUS (gold), SO-5 CAT."""
    shop_with_gold(sqlite_db)
    widget = BackordersTab(sqlite_db)
    qtbot.addWidget(widget)
    widget.resize(1280, 600)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def orders(tab: BackordersTab) -> list[str]:
    return cells(tab.queue_model, "Order")


def select(tab: BackordersTab, ref: str) -> None:
    tab.table.selectRow(orders(tab).index(ref))


def selected_ref(tab: BackordersTab) -> str:
    row = tab.selected_row()
    assert row is not None
    return str(row.order_ref)


def button(tab: BackordersTab, name: str) -> QToolButton:
    found = tab.findChild(QToolButton, f"{name}Button")
    assert found is not None
    return found


def test_the_tab_lists_the_queue_with_places_policy_and_days_waiting(
    tab: BackordersTab, qtmodeltester: object
) -> None:
    assert orders(tab) == ["SO-1", "SO-2", "SO-3", "SO-4", "SO-5"]
    assert cells(tab.queue_model, "Queue")[2] == "3rd · 4 units ahead"
    assert cells(tab.queue_model, "Customer")[1] == "Gil ★"
    assert "First come, first served" in tab.policy_label.text()
    days = max(0, (utcnow() - T0).days)  # from the order's placed-at time
    assert cells(tab.queue_model, "Days")[0] == f"{days:,}"
    qtmodeltester.check(tab.queue_model)  # type: ignore[attr-defined]


def test_buttons_follow_the_selected_line(tab: BackordersTab) -> None:
    assert not any(a.isEnabled() for a in (tab.pin_action, tab.unpin_action, tab.up_action))
    select(tab, "SO-1")
    assert tab.pin_action.isEnabled() and tab.down_action.isEnabled()
    assert not tab.up_action.isEnabled() and not tab.unpin_action.isEnabled()
    select(tab, "SO-5")
    assert tab.up_action.isEnabled() and not tab.down_action.isEnabled()


def test_moves_are_offered_only_within_the_pinned_lines(tab: BackordersTab) -> None:
    with tab.database.write() as s:
        queue.pin_line(s, line_id(tab.database, "SO-5"))
        queue.pin_line(s, line_id(tab.database, "SO-3"))
    tab.reload()
    assert orders(tab) == ["SO-5", "SO-3", "SO-1", "SO-2", "SO-4"]
    select(tab, "SO-5")  # first pinned
    assert not tab.up_action.isEnabled() and tab.down_action.isEnabled()
    select(tab, "SO-3")  # last pinned: moving down would leave the pins
    assert tab.up_action.isEnabled() and not tab.down_action.isEnabled()
    select(tab, "SO-1")  # first unpinned: moving up would jump the pins
    assert not tab.up_action.isEnabled() and tab.down_action.isEnabled()


def test_moves_are_offered_only_within_a_tier_under_gold_first(tab: BackordersTab) -> None:
    with tab.database.write() as s:
        queue.set_queue_policy(s, QueuePolicy.LOYALTY)
    tab.reload()
    assert orders(tab) == ["SO-2", "SO-4", "SO-1", "SO-3", "SO-5"]
    select(tab, "SO-4")  # the last gold line
    assert tab.up_action.isEnabled() and not tab.down_action.isEnabled()
    select(tab, "SO-3")
    assert tab.up_action.isEnabled() and tab.down_action.isEnabled()


def test_the_footer_counts_the_filtered_units_and_names_the_shop_total(
    qtbot: QtBot, tab: BackordersTab
) -> None:
    with tab.database.write() as s:
        place_order(s, "DAN", [LineRequest("GADGET", 3)], ref="SO-NEW", placed_at=utcnow())
    tab.reload()
    total = tab.queue_model.units_waiting
    assert tab.footer.text() == f"6 lines waiting · {total} units backordered in all"
    qtbot.keyClicks(tab.product_filter, "gadg")
    qtbot.keyClick(tab.product_filter, Qt.Key.Key_Return)
    assert tab.footer.text() == (
        f"1 line waiting, 3 units (filtered) · {total} units backordered in the shop"
    )


def test_pin_to_front_moves_the_line_first_and_keeps_it_selected(
    qtbot: QtBot, tab: BackordersTab
) -> None:
    select(tab, "SO-5")
    with qtbot.waitSignal(tab.message) as said:
        qtbot.mouseClick(button(tab, "backordersPin"), Qt.MouseButton.LeftButton)
    assert said.args == [
        "Pinned SO-5 line 1 (WIDGET): now 1st in its product's queue; 0 units ahead"
    ]
    assert orders(tab) == ["SO-5", "SO-1", "SO-2", "SO-3", "SO-4"]
    assert cells(tab.queue_model, "Pin")[0] == "Pinned"
    assert selected_ref(tab) == "SO-5"
    assert tab.unpin_action.isEnabled() and not tab.pin_action.isEnabled()
    qtbot.mouseClick(button(tab, "backordersUnpin"), Qt.MouseButton.LeftButton)
    wait_for_saves(qtbot)
    assert orders(tab) == ["SO-1", "SO-2", "SO-3", "SO-4", "SO-5"]
    assert selected_ref(tab) == "SO-5"


def test_move_up_and_down_by_keyboard_shortcut(qtbot: QtBot, tab: BackordersTab) -> None:
    select(tab, "SO-3")
    tab.table.setFocus()
    qtbot.keyClick(tab.table, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    wait_for_saves(qtbot)
    assert orders(tab) == ["SO-1", "SO-3", "SO-2", "SO-4", "SO-5"]
    assert selected_ref(tab) == "SO-3"
    qtbot.keyClick(tab.table, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    wait_for_saves(qtbot)
    qtbot.keyClick(tab.table, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    wait_for_saves(qtbot)
    assert orders(tab) == ["SO-1", "SO-2", "SO-4", "SO-3", "SO-5"]
    assert selected_ref(tab) == "SO-3"


def test_a_refused_move_says_why_in_plain_words(qtbot: QtBot, tab: BackordersTab) -> None:
    with tab.database.write() as s:
        queue.set_queue_policy(s, QueuePolicy.LOYALTY)
    tab.reload()
    assert orders(tab) == ["SO-2", "SO-4", "SO-1", "SO-3", "SO-5"]
    select(tab, "SO-1")
    assert not tab.up_action.isEnabled()  # not offered: the gold lines are ahead
    with qtbot.waitSignal(tab.message) as said:
        tab._move("up")  # e.g. from a row another till's change made stale
    assert "Pin it to the front instead" in said.args[0]
    assert orders(tab) == ["SO-2", "SO-4", "SO-1", "SO-3", "SO-5"]


def test_filters_by_product_customer_and_age_run_in_the_database(
    qtbot: QtBot, tab: BackordersTab
) -> None:
    with tab.database.write() as s:
        place_order(s, "DAN", [LineRequest("GADGET", 1)], ref="SO-NEW", placed_at=utcnow())
    tab.reload()
    qtbot.keyClicks(tab.customer_filter, "gil")
    qtbot.keyClick(tab.customer_filter, Qt.Key.Key_Return)
    assert orders(tab) == ["SO-2"]
    tab.customer_filter.clear()
    qtbot.keyClicks(tab.product_filter, "gadg")
    qtbot.keyClick(tab.product_filter, Qt.Key.Key_Return)
    assert orders(tab) == ["SO-NEW"]
    tab.product_filter.clear()
    tab._apply_filters()
    tab.min_days.setValue(2)  # SO-NEW was placed today; the others in January 2026
    assert "SO-NEW" not in orders(tab) and len(orders(tab)) == 5
    assert tab.footer.text().startswith("5 lines waiting")


def test_changing_the_policy_reorders_the_queue_and_shows_it(
    qtbot: QtBot, tab: BackordersTab
) -> None:
    qtbot.mouseClick(tab.change_policy, Qt.MouseButton.LeftButton)
    dialog = next(w for w in QApplication.topLevelWidgets() if isinstance(w, QueuePriorityDialog))
    qtbot.waitExposed(dialog)
    loyalty = dialog.findChild(QRadioButton, "queuePolicy_loyalty")
    assert loyalty is not None
    # On its indicator: a radio button spans the page, its text only the left part.
    qtbot.mouseClick(loyalty, Qt.MouseButton.LeftButton, pos=QPoint(8, loyalty.height() // 2))
    box = dialog.findChild(QDialogButtonBox, "queuePolicyButtons")
    assert box is not None
    with qtbot.waitSignal(tab.message) as said:
        qtbot.mouseClick(box.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
    assert said.args[0].startswith("Now serving: gold customers first")
    assert "Gold customers first" in tab.policy_label.text()
    assert orders(tab) == ["SO-2", "SO-4", "SO-1", "SO-3", "SO-5"]


def test_the_model_reads_placed_days_not_the_moved_queue_time(sqlite_db: Database) -> None:
    shop_with_gold(sqlite_db)
    with sqlite_db.write() as s:
        queue.pin_line(s, line_id(sqlite_db, "SO-1"))
    model = BackordersModel(sqlite_db)
    model.reload()
    row = model.row_at(0)
    assert row is not None and row.pinned
    # Pinning moved its queue time to now; it has still waited since the order was placed.
    assert row.days_waiting == max(0, (utcnow() - T0).days)
