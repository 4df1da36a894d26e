"""Which permission each menu action needs, so a role's menus grey out what it may not do.

Only a courtesy: every service checks its permission itself (``app.domain.permissions``), so
an action left out here, or a toolbar button, is refused with the same message naming who may.
"""

from __future__ import annotations

from app.domain.actors import Role
from app.domain.permissions import Permission, allows

#: Action object name -> the permission its write needs.
ACTION_PERMISSIONS: dict[str, Permission] = {
    "newOrderAction": Permission.PLACE_ORDER,
    "newCustomerAction": Permission.PLACE_ORDER,
    "receiveStockAction": Permission.RECEIVE_STOCK,
    "shipOrderAction": Permission.SHIP_ORDER,
    "newPurchaseOrderAction": Permission.EDIT_PURCHASE_ORDER,
    "editDraftAction": Permission.EDIT_PURCHASE_ORDER,
    "sendPurchaseOrderAction": Permission.EDIT_PURCHASE_ORDER,
    "changeExpectedDateAction": Permission.EDIT_PURCHASE_ORDER,
    "suggestPurchaseOrdersAction": Permission.EDIT_PURCHASE_ORDER,
    "cancelOrderAction": Permission.CANCEL,
    "cancelPurchaseOrderAction": Permission.CANCEL,
    "undoReceiptAction": Permission.UNDO_RECEIPT,
    "adjustStockAction": Permission.ADJUST_STOCK,
    "backordersPinAction": Permission.REORDER_QUEUE,
    "backordersUnpinAction": Permission.REORDER_QUEUE,
    "backordersMoveUpAction": Permission.REORDER_QUEUE,
    "backordersMoveDownAction": Permission.REORDER_QUEUE,
    "shipPartialAction": Permission.OVERRIDE,
    "shipCompleteAction": Permission.OVERRIDE,
    "shipAsCustomerPrefersAction": Permission.OVERRIDE,
    "newProductAction": Permission.EDIT_CATALOG,
    "newSupplierAction": Permission.EDIT_CATALOG,
    "editRecordAction": Permission.EDIT_CATALOG,
    "editCustomerAction": Permission.EDIT_CATALOG,
    "archiveRecordAction": Permission.EDIT_CATALOG,
    "openingStockAction": Permission.EDIT_CATALOG,
    "importCsvAction": Permission.IMPORT_DATA,
    "restoreBackupAction": Permission.CHANGE_SETTINGS,
}


def refusal(role: Role, action_name: str) -> str:
    """Why ``role`` may not use the action ("" if it may), as its tooltip says."""
    permission = ACTION_PERMISSIONS.get(action_name)
    if permission is None or allows(role, permission):
        return ""
    return f"Only {permission.who_may} may {permission.label}"
