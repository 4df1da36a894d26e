"""Checking a shop database: is the file sound, do its records hang together, does stock add up?

"Check database…" in the window and ``shopkeeper check`` run :func:`check_database` and show
its :class:`CheckReport` as it is: each check says in plain words what it looked at, what it
found and what to do about it. Nothing is changed; the caller opens a read transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app.domain import Product, PurchaseOrder, PurchaseOrderLine, Receipt, ReceiptLine
from app.services.stock import check_ledger

#: Problems listed per check; more than that is summed up ("and 12 more").
MAX_LISTED = 20


@dataclass(frozen=True)
class CheckResult:
    """One check: what it looked at, and what it found (nothing = passed)."""

    title: str
    problems: tuple[str, ...] = ()
    #: What the shop should do when the check found problems.
    advice: str = ""

    @property
    def passed(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class CheckReport:
    checks: tuple[CheckResult, ...]

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks)

    def summary(self) -> str:
        """One sentence for the top of the report."""
        count = len(self.checks)
        if self.passed:
            return f"All good: {count} {'check' if count == 1 else 'checks'} passed."
        failed = sum(not check.passed for check in self.checks)
        return f"{failed} of {count} checks found problems."

    def text(self) -> str:
        """The whole report as plain text (for the command line and for copying)."""
        lines = [self.summary(), ""]
        for check in self.checks:
            lines.append(f"{'OK' if check.passed else 'PROBLEM'}  {check.title}")
            lines.extend(f"    - {problem}" for problem in check.problems)
            if check.problems and check.advice:
                lines.append(f"    What to do: {check.advice}")
        return "\n".join(lines)


Progress = Callable[[str], None]


def check_database(session: Session, progress: Progress | None = None) -> CheckReport:
    """Run every check that applies to the session's database (read-only)."""
    say = progress or (lambda _message: None)
    checks: list[CheckResult] = []
    if session.get_bind().dialect.name == "sqlite":
        say("Reading every page of the file…")
        checks.append(_integrity(session))
        say("Checking the links between records…")
        checks.append(_foreign_keys(session))
    say("Comparing purchase orders with their receipts…")
    checks.extend(_purchase_orders(session))
    say("Comparing stock with the ledger…")
    checks.append(_ledger(session))
    return CheckReport(tuple(checks))


def _integrity(session: Session) -> CheckResult:
    rows = [str(row[0]) for row in session.execute(text("PRAGMA integrity_check"))]
    problems = () if rows == ["ok"] else _listed(rows)
    return CheckResult(
        "The database file is intact",
        problems,
        "The file is damaged. Restore the newest backup (File menu, Restore from backup…), "
        "then enter again anything done since it was taken.",
    )


def _foreign_keys(session: Session) -> CheckResult:
    found = [
        f"{table} record {rowid} refers to a {parent} record that does not exist"
        for table, rowid, parent, _key in session.execute(text("PRAGMA foreign_key_check"))
    ]
    return CheckResult(
        "Every record refers to records that exist",
        _listed(found),
        "Some records lost what they refer to (the file was changed outside Shopkeeper, or "
        "damaged). Restore a backup from before the problem, or send this report to support.",
    )


def _purchase_orders(session: Session) -> tuple[CheckResult, CheckResult]:
    """Every PO line's received units are what its receipts brought, and no more than it
    ordered beyond the surplus a clerk accepted as an over-receipt."""
    receipts = (
        select(
            ReceiptLine.purchase_order_line_id.label("line_id"),
            func.sum(ReceiptLine.qty).label("qty"),
            func.sum(ReceiptLine.qty_over).label("over"),
        )
        .join(Receipt, Receipt.id == ReceiptLine.receipt_id)
        # An undone receipt gave its units back to the PO line.
        .where(ReceiptLine.purchase_order_line_id.is_not(None), Receipt.undone_at.is_(None))
        .group_by(ReceiptLine.purchase_order_line_id)
        .subquery()
    )
    rows = session.execute(
        select(
            PurchaseOrder.ref,
            PurchaseOrderLine.line_no,
            Product.sku,
            PurchaseOrderLine.qty_ordered,
            PurchaseOrderLine.qty_received,
            func.coalesce(receipts.c.qty, 0),
            func.coalesce(receipts.c.over, 0),
        )
        .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.purchase_order_id)
        .join(Product, Product.id == PurchaseOrderLine.product_id)
        .outerjoin(receipts, receipts.c.line_id == PurchaseOrderLine.id)
        .where(
            (PurchaseOrderLine.qty_received > PurchaseOrderLine.qty_ordered)
            | (PurchaseOrderLine.qty_received != func.coalesce(receipts.c.qty, 0))
        )
        .order_by(PurchaseOrder.ref, PurchaseOrderLine.line_no)
    ).all()
    beyond: list[str] = []
    unmatched: list[str] = []
    for ref, line_no, sku, ordered, received, brought, accepted in rows:
        line = f"{ref} line {line_no} {sku}"
        excess = received - ordered - accepted
        if excess > 0:
            surplus = f"{accepted} accepted as surplus" if accepted else "no surplus accepted"
            beyond.append(
                f"{line}: {ordered} ordered, {received} received, {surplus}: {excess} more "
                f"than ordered{' and accepted' if accepted else ''}"
            )
        if received != brought:
            unmatched.append(f"{line}: {received} received, its receipts add up to {brought}")
    return (
        CheckResult(
            "Purchase orders' received units match their receipts",
            _listed(unmatched),
            "These purchase order lines disagree with the receipts made against them (the "
            "file was changed outside Shopkeeper, or damaged). Stock follows the receipts. "
            "Do not receive more on these purchase orders until support has looked at this "
            "report, or restore a backup.",
        ),
        CheckResult(
            "Purchase orders received only what was ordered, or an accepted surplus",
            _listed(beyond),
            "More units were received on these lines than were ordered, and no clerk accepted "
            "them as an over-receipt: a purchase order received twice looks like this (so do "
            "surpluses received before Shopkeeper recorded acceptance). Check each against "
            "its delivery note, or count the product. If the extra units never arrived, "
            "remove them with a stock adjustment (Stock tab, Adjust stock…), so no customer "
            "is promised units the shop does not have; if the supplier really sent them, the "
            "stock is right. The line stays in this report either way: Shopkeeper cannot yet "
            "mark an old surplus as checked.",
        ),
    )


def _ledger(session: Session) -> CheckResult:
    return CheckResult(
        "Stock on hand and allocations add up",
        _listed(check_ledger(session)),
        "The stock figures disagree with the stock ledger. Nothing is lost (the ledger keeps "
        "every movement), but do not ship or receive the products named until support has "
        "looked at this report, or restore a backup.",
    )


def _listed(problems: list[str]) -> tuple[str, ...]:
    if len(problems) <= MAX_LISTED:
        return tuple(problems)
    return (*problems[:MAX_LISTED], f"and {len(problems) - MAX_LISTED} more")
