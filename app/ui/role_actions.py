"""Which permission each menu action and tab button needs, so a role's menus and toolbars grey
out what it may not do.

Only a courtesy: every service checks its permission itself (``app.domain.permissions``), so
anything left out here is refused with the same message naming who may. The one table below
is keyed by the :class:`Permission` the services require, so a button cannot need one thing
here and another in its service; the tests check that every name in it is in the window.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.actors import Role
from app.domain.permissions import Permission, allows


@dataclass(frozen=True)
class Greyed:
    """What to grey out for a permission, by object name."""

    #: The main window's menu actions (``app.ui.actions``).
    actions: tuple[str, ...] = ()
    #: The tabs' toolbar buttons, the tabs' own actions behind their tool buttons, and the
    #: buttons of the order detail and ship dialogs.
    buttons: tuple[str, ...] = ()


#: Each permission -> what its services' callers look like in the window.
GREYED: dict[Permission, Greyed] = {
    Permission.PLACE_ORDER: Greyed(
        ("newOrderAction", "newCustomerAction"), ("newOrderButton", "newCustomerButton")
    ),
    Permission.RECEIVE_STOCK: Greyed(
        ("receiveStockAction",), ("receiveStockButton", "receiveButton")
    ),
    Permission.SHIP_ORDER: Greyed(
        ("shipOrderAction",), ("shipOrderButton", "orderDetailShipButton")
    ),
    Permission.EDIT_PURCHASE_ORDER: Greyed(
        (
            "newPurchaseOrderAction",
            "editDraftAction",
            "sendPurchaseOrderAction",
            "changeExpectedDateAction",
            "suggestPurchaseOrdersAction",
        ),
        (
            "newPurchaseOrderButton",
            "editDraftButton",
            "sendPurchaseOrderButton",
            "changeExpectedDateButton",
            "suggestPurchaseOrdersButton",
        ),
    ),
    Permission.CANCEL: Greyed(
        ("cancelOrderAction", "cancelPurchaseOrderAction"),
        ("cancelOrderButton", "cancelPurchaseOrderButton", "orderDetailCancelLineButton"),
    ),
    Permission.UNDO_RECEIPT: Greyed(("undoReceiptAction",)),
    Permission.SHIP_INCOMPLETE: Greyed((), ("shipAnywayCheck",)),
    Permission.ADJUST_STOCK: Greyed(("adjustStockAction",), ("adjustStockButton",)),
    Permission.REORDER_QUEUE: Greyed(
        (
            "backordersPinAction",
            "backordersUnpinAction",
            "backordersMoveUpAction",
            "backordersMoveDownAction",
        ),
        ("backordersPin", "backordersUnpin", "backordersMoveUp", "backordersMoveDown"),
    ),
    Permission.OVERRIDE: Greyed(
        ("shipPartialAction", "shipCompleteAction", "shipAsCustomerPrefersAction"),
        ("shipPreferenceButton",),
    ),
    Permission.EDIT_CATALOG: Greyed(
        (
            "newProductAction",
            "newSupplierAction",
            "editRecordAction",
            "editCustomerAction",
            "archiveRecordAction",
            "openingStockAction",
        ),
        (
            "editCustomerButton",
            "newProductButton",
            "newSupplierButton",
            "editCatalogProductButton",
            "editCatalogSupplierButton",
            "editCatalogCustomerButton",
            "archiveProductButton",
            "archiveSupplierButton",
            "archiveCustomerButton",
            "openingStockButton",
        ),
    ),
    Permission.IMPORT_DATA: Greyed(("importCsvAction",)),
    Permission.CHANGE_SETTINGS: Greyed(("restoreBackupAction",), ("backordersChangePolicy",)),
}


def _by_name(part: str) -> dict[str, Permission]:
    return {
        name: permission for permission, greyed in GREYED.items() for name in getattr(greyed, part)
    }


#: Menu action object name -> the permission its write needs.
ACTION_PERMISSIONS: dict[str, Permission] = _by_name("actions")
#: Tab button (or a tab's own action) object name -> the permission its write needs.
BUTTON_PERMISSIONS: dict[str, Permission] = _by_name("buttons")


def refusal(role: Role, name: str) -> str:
    """Why ``role`` may not use the action or button ``name`` ("" if it may), as its tooltip
    says."""
    permission = ACTION_PERMISSIONS.get(name) or BUTTON_PERMISSIONS.get(name)
    if permission is None or allows(role, permission):
        return ""
    return f"Only {permission.who_may} may {permission.label}"
