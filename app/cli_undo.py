"""``shopkeeper undo-receipt``: preview undoing a confirmed receipt, and undo it with --yes.

Kept out of ``app.cli`` (which dispatches to it) so each command module stays small.
"""

from __future__ import annotations

import json
import time

from sqlalchemy.orm import Session

from app.db import Database
from app.domain.errors import CannotUndoReceipt, DatabaseConflict, StalePlan
from app.services.formatting import day
from app.services.undo_receipt import (
    UndoneReceipt,
    UndoPreview,
    preview_undo_receipt,
    undo_receipt,
)

#: Times an undo previews again when another till changed its products in between.
UNDO_TRIES = 5


def cmd_undo_receipt(
    database: Database, receipt: str, reason: str, *, dry_run: bool, as_json: bool
) -> int:
    """Print the preview; with ``dry_run`` save nothing, else undo it (refused: exit 1)."""
    if dry_run:
        with database.read() as session:
            preview = preview_undo_receipt(session, receipt)
        _show(preview, None, as_json)
        return 0 if preview.can_undo else 1
    for attempt in range(1, UNDO_TRIES + 1):
        try:
            preview, done = database.run(lambda session: _undo(session, receipt, reason))
        except StalePlan:
            time.sleep(0.05 * attempt)
            continue
        _show(preview, done, as_json)
        return 0 if done is not None else 1
    raise DatabaseConflict(
        f"Other tills kept changing the products of {receipt} while it was being undone "
        f"({UNDO_TRIES} tries); nothing was saved. Try again in a moment."
    )


def _undo(session: Session, receipt: str, reason: str) -> tuple[UndoPreview, UndoneReceipt | None]:
    """Preview and undo in one transaction; a refused preview writes nothing."""
    preview = preview_undo_receipt(session, receipt)
    if not preview.can_undo:
        return preview, None
    try:
        return preview, undo_receipt(session, preview.token, reason)
    except CannotUndoReceipt:
        return preview_undo_receipt(session, receipt), None


def preview_as_json(preview: UndoPreview, done: UndoneReceipt | None) -> dict[str, object]:
    """The --json shape of a preview (and, after --yes, whether it was undone)."""
    return {
        "receipt": preview.label,
        "received_at": preview.received_at.isoformat(),
        "po": preview.po_ref,
        "can_undo": preview.can_undo,
        "refusals": list(preview.refusals),
        "stock": [
            {
                "sku": s.sku,
                "qty": s.received,
                "from_customers": s.from_customers,
                "from_stock": s.from_stock,
            }
            for s in preview.stock
        ],
        "customers": [
            {
                "order_ref": c.order_ref,
                "line": c.line_no,
                "customer": c.customer,
                "sku": c.sku,
                "qty": c.qty,
            }
            for c in preview.customers
        ],
        "po_lines": [
            {
                "po": p.po_ref,
                "line": p.line_no,
                "sku": p.sku,
                "received": p.received_now,
                "received_after": p.received_after,
            }
            for p in preview.po_lines
        ],
        "undone": done is not None,
    }


def _show(preview: UndoPreview, done: UndoneReceipt | None, as_json: bool) -> None:
    if as_json:
        print(json.dumps(preview_as_json(preview, done), indent=2))
        return
    against = f" against {preview.po_ref}" if preview.po_ref else ""
    print(f"{preview.label}, received {day(preview.received_at.date())}{against}")
    print("Leaves stock:")
    for s in preview.stock:
        print(
            f"  {s.sku}: {s.received} units ({s.from_customers} taken back from customers, "
            f"{s.from_stock} from stock)"
        )
    if preview.customers:
        print("Customers who lose units (they wait again in their places):")
        for c in preview.customers:
            print(f"  {c.order_ref} line {c.line_no}, {c.customer}: {c.qty} {c.sku}")
    for p in preview.po_lines:
        print(
            f"  {p.po_ref} line {p.line_no} {p.sku}: received {p.received_now} -> "
            f"{p.received_after} of {p.ordered}"
        )
    if preview.po_status is not None and preview.po_ref:
        before, after = preview.po_status
        print(f"  {preview.po_ref}: {before.label} -> {after.label}")
    if preview.refusals:
        print("It cannot be undone:")
        for refusal in preview.refusals:
            print(f"  - {refusal}")
    elif done is None:
        print("Dry run: nothing was saved.")
    else:
        orders = len(done.orders_affected)
        print(
            f"Undone: {done.units_out} units left stock, {done.units_taken_back} taken back "
            f"from {orders} {'order' if orders == 1 else 'orders'}."
        )
