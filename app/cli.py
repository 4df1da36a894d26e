"""The ``shopkeeper`` command: opens the window, or runs a command on the shop database.

    shopkeeper [--db PATH_OR_URL]                 open the window
    shopkeeper --demo                             open the window on a fresh demo shop
    shopkeeper import orders orders.csv           all-or-nothing CSV import
    shopkeeper receive PO-00012 --dry-run --json  receive everything outstanding on a PO
    shopkeeper undo-receipt RCPT-7 --reason TEXT --dry-run|--yes  undo a receipt (manager)
    shopkeeper export backorders -                the backorder queue as CSV on stdout
    shopkeeper check                              check the database, report in plain words
    shopkeeper backup                             back the database up now
    shopkeeper --user ann users add Bob --role clerk   add a user (see app.cli_users)

On a shop with users, a command acts as ``--user NAME`` (the PIN from SHOPKEEPER_PIN or asked
for); see ``app.cli_users``.

A command never makes a new shop from a path that has no file: add --create for that.

Without --db, the database is the one this computer's settings name (Settings… in the
window): a file, or a shared server whose password comes from the keyring (or, as for any
PostgreSQL program, PGPASSWORD or ~/.pgpass). A command that writes refuses to run while the
window has the same file open; one that only reads then reads it read-only.

The commands never import Qt; only opening the window does.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import TextIO

from babel.core import default_locale
from sqlalchemy.orm import Session

from app.cli_undo import cmd_undo_receipt
from app.cli_users import act_as, add_user_option, add_users_command, cmd_users, user_command_writes
from app.db import Database, open_database
from app.db.config import PasswordStore, load_settings
from app.db.database import ServerTimeouts
from app.db.instance_lock import InstanceLock
from app.db.opening import sqlite_path
from app.db.paths import database_url
from app.domain.errors import (
    DatabaseConflict,
    DatabaseLocked,
    InvalidInput,
    InvalidTransition,
    NotFound,
    ShopError,
    StalePlan,
)
from app.domain.queue import serving_key
from app.services import purchasing, receiving
from app.services.documents import DOCUMENT_KINDS, read_document
from app.services.exporting import KINDS as EXPORT_KINDS
from app.services.exporting import export_csv, export_to_path, write_csv, write_csv_to_path
from app.services.formatting import day, set_locale
from app.services.importing import KINDS as IMPORT_KINDS
from app.services.importing import import_csv
from app.services.receiving import AllocationPlan
from app.services.reports.tables import REPORTS, run_report

PROG = "shopkeeper"

#: What ``receive`` did: the PO as read, the plan, and the receipt (None on a dry run).
_Received = tuple[purchasing.ReceivablePO, receiving.AllocationPlan, receiving.ReceiptResult | None]


#: How often ``send-notifications`` looks for due messages when it keeps running.
SEND_INTERVAL_SECONDS = 60


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("shopkeeper")
    except Exception:  # not installed (a bundle without metadata)
        return "unknown"


def _common_options(*, top_level: bool) -> argparse.ArgumentParser:
    """--db, --create and --user, accepted both before and after the command.

    On subcommands the default is SUPPRESS, so a value given before the command survives.
    """
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--db",
        metavar="PATH_OR_URL",
        default=None if top_level else argparse.SUPPRESS,
        help="shop database: a SQLite file or a database URL (default: the user data folder)",
    )
    parent.add_argument(
        "--create",
        action="store_true",
        default=False if top_level else argparse.SUPPRESS,
        help="if there is no shop database file at --db, start a new, empty shop there "
        "(without it, a missing file is an error: a mistyped path never makes a new shop)",
    )
    add_user_option(parent, top_level=top_level)
    return parent


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Stock, customer orders, purchase orders and backorders for small shops. "
        "Without a command, opens the window.",
        parents=[_common_options(top_level=True)],
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="use a fresh demo shop in a temporary folder (its location is printed)",
    )
    parser.add_argument(
        "--smoke-test",
        action="store_true",
        help="open the window and quit after a moment (for packaging checks)",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    common = [_common_options(top_level=False)]

    importer = commands.add_parser(
        "import",
        parents=common,
        help="import a CSV file (all rows or none)",
        description="Import a CSV file with a header row. Either every row is imported or, "
        "at the first bad row, nothing is.",
    )
    importer.add_argument("kind", choices=IMPORT_KINDS)
    importer.add_argument("file", metavar="FILE.csv")

    receiver = commands.add_parser(
        "receive",
        parents=common,
        help="receive everything outstanding on a purchase order",
        description="Receive all outstanding units of a purchase order: waiting customers "
        "are served in queue order, the rest goes to stock.",
    )
    receiver.add_argument("po", metavar="PO-REF")
    receiver.add_argument(
        "--dry-run", action="store_true", help="show the allocation plan; save nothing"
    )
    receiver.add_argument("--json", action="store_true", help="print the plan as JSON")

    undoer = commands.add_parser(
        "undo-receipt",
        parents=common,
        help="undo a confirmed receipt (a manager)",
        description="Undo a confirmed receipt: its units leave stock, customers it served "
        "wait again in their places, its purchase order is outstanding again. Refused if "
        "units of it have shipped or its stock is gone.",
    )
    undoer.add_argument("receipt", metavar="RECEIPT", help="RCPT-n or the receipt's number")
    undoer.add_argument("--reason", required=True, help="why (kept with the receipt)")
    how = undoer.add_mutually_exclusive_group(required=True)
    how.add_argument("--dry-run", action="store_true", help="show the preview; save nothing")
    how.add_argument("--yes", action="store_true", help="undo it")
    undoer.add_argument("--json", action="store_true", help="print the preview as JSON")

    exporter = commands.add_parser(
        "export",
        parents=common,
        help="export stock levels or the backorder queue as CSV",
    )
    exporter.add_argument("kind", choices=EXPORT_KINDS)
    exporter.add_argument("file", metavar="FILE.csv", help="'-' writes to standard output")

    reporter = commands.add_parser(
        "report",
        parents=common,
        help="print a report's table (or write it as CSV)",
    )
    reporter.add_argument("name", choices=REPORT_NAMES)
    reporter.add_argument("--from", dest="start", type=date.fromisoformat, metavar="YYYY-MM-DD")
    reporter.add_argument(
        "--to", dest="end", type=date.fromisoformat, metavar="YYYY-MM-DD", help="default: today"
    )
    reporter.add_argument("--csv", metavar="FILE.csv", help="'-' writes to standard output")

    printer = commands.add_parser(
        "print",
        parents=common,
        help="write a packing slip, order status, purchase order or pick list as PDF or HTML",
        description="Write a shop document to a file, for scripts and e-mail: a packing slip "
        "or order status of an order (SO-...), a purchase order (PO-...), or the pick list of "
        "the orders ready to ship (or of one order). Needs no display.",
    )
    printer.add_argument("kind", choices=tuple(DOCUMENT_KINDS))
    printer.add_argument("ref", nargs="?", metavar="REF", help="the order or purchase order")
    printer.add_argument("--pdf", metavar="FILE.pdf", help="write the document as a PDF")
    printer.add_argument("--html", metavar="FILE.html", help="write it as one HTML page")
    couponer = commands.add_parser(
        "coupons",
        parents=common,
        help="list goodwill coupons (all, or one customer's)",
        description="List the goodwill coupons given to customers who waited long, newest "
        "first: code, value, the order that earned it, and the order it was used on.",
    )
    couponer.add_argument("--customer", metavar="CODE", help="only this customer's coupons")

    historian = commands.add_parser(
        "history",
        parents=common,
        help="print the audit trail: who did what, on which till, when",
        description="Print the audit trail, newest first: every stock movement, allocation, "
        "cancellation, setting, price and catalog change and sign-in, with who did it, on "
        "which till, when, and what changed.",
    )
    # Not --user: that is who a command acts as (sign-in), on every command.
    historian.add_argument("--by", dest="by_user", metavar="NAME", help="only this person's")
    historian.add_argument("--order", metavar="REF", help="only this order or purchase order")
    historian.add_argument("--product", metavar="CODE", help="only this product's")
    historian.add_argument("--action", metavar="ACTION", help="e.g. changed, signed in")
    historian.add_argument("--since", type=date.fromisoformat, metavar="YYYY-MM-DD")
    historian.add_argument(
        "--limit", type=int, default=100, metavar="N", help="newest N events (default 100)"
    )

    commands.add_parser(
        "check",
        parents=common,
        help="check the database (file, links between records, stock ledger)",
        description="Check the shop database and print a report in plain words. Exit status "
        "0 when all is well, 2 when a check found problems.",
    )
    sender = commands.add_parser(
        "send-notifications",
        parents=common,
        help="send the customer messages that are due (e-mail, webhook)",
        description="Send the customer messages waiting in the outbox, by e-mail and/or the "
        "webhook the Notifications settings name, trying failed ones again with backoff. "
        "Runs until interrupted, checking every minute, unless --once.",
    )
    sender.add_argument("--once", action="store_true", help="send what is due now, then stop")
    commands.add_parser(
        "backup",
        parents=common,
        help="back the database up now",
        description="Back the shop database up now, into the backups folder, keeping the "
        "number of backups the settings say.",
    )
    add_users_command(commands, common)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    set_locale(default_locale("LC_TIME"))  # dates as the terminal's locale writes them
    try:
        if args.demo and args.db:
            raise InvalidInput("Use either --demo or --db, not both")
        if args.demo:
            # With a command, keep stdout for its output (CSV or JSON).
            url = make_demo_database(announce=sys.stderr if args.command else sys.stdout)
        elif args.db is None and args.command is None:
            url = None  # the window reads the settings itself (and may ask for a password)
        else:
            url = database_url(args.db) if args.db is not None else _url_from_settings()
        if args.command is None:
            from app.ui.app import run_gui  # Qt only for the window

            return int(run_gui(url, smoke_test=args.smoke_test) or 0)
        assert url is not None
        if not args.create:
            _require_existing(url)
        writes = (
            args.command in ("import", "send-notifications")
            or (args.command in ("receive", "undo-receipt") and not args.dry_run)
            or (args.command == "users" and user_command_writes(args))
        )
        with _opened(url, writes=writes, create=args.create) as database:
            pin = act_as(
                database, args.user, writes=writes, local_file=sqlite_path(url) is not None
            )
            if args.command == "users":
                return cmd_users(database, args, pin)
            if args.command == "import":
                return cmd_import(database, args.kind, args.file)
            if args.command == "receive":
                return cmd_receive(database, args.po, dry_run=args.dry_run, as_json=args.json)
            if args.command == "undo-receipt":
                return cmd_undo_receipt(
                    database, args.receipt, args.reason, dry_run=args.dry_run, as_json=args.json
                )
            if args.command == "check":
                return cmd_check(database)
            if args.command == "backup":
                return cmd_backup(database)
            if args.command == "send-notifications":
                return cmd_send_notifications(database, once=args.once)
            if args.command == "print":
                return cmd_print(database, args.kind, args.ref, args.pdf, args.html)
            if args.command == "report":
                return cmd_report(database, args.name, args.start, args.end, args.csv)
            if args.command == "coupons":
                return cmd_coupons(database, args.customer)
            if args.command == "history":
                return cmd_history(database, args)
            return cmd_export(database, args.kind, args.file)
    except ShopError as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # `shopkeeper export backorders - | head`: the reader went away; that is fine.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted; nothing was saved by the unfinished command", file=sys.stderr)
        return 130


def _url_from_settings() -> str:
    settings = load_settings()
    password = PasswordStore().get(settings.server) if settings.mode == "server" else None
    return settings.database_url(password)


@contextmanager
def _opened(url: str, *, writes: bool = True, create: bool = False) -> Iterator[Database]:
    """The database, holding the file's single-writer lock while the command runs.

    If the window (or another command) holds it, a command that writes is refused; one that
    only reads opens the file read-only. ``create``: a missing file becomes a new shop.
    What went wrong on the way but need not stop the command (today's backup) is printed
    as a warning on standard error.
    """
    path = sqlite_path(url)
    lock = InstanceLock(path) if path is not None else None
    read_only = False
    if lock is not None and not lock.acquire():
        if writes:
            raise DatabaseLocked(
                f"{lock.holder()} has {path.name if path else 'the database'} open; nothing "
                "was changed. Close it first, or use --dry-run to only look."
            )
        read_only, lock = True, None
    try:
        settings = load_settings()
        database = open_database(
            url,
            keep_backups=settings.keep_backups,
            read_only=read_only,
            create=create,
            timeouts=ServerTimeouts(statement=settings.statement_timeout_seconds),
        )
        for warning in database.warnings:
            print(f"{PROG}: warning: {warning} The command goes on.", file=sys.stderr)
        try:
            yield database
        finally:
            database.dispose()
    finally:
        if lock is not None:
            lock.release()


def _require_existing(url: str) -> None:
    """A command never makes a new shop from a mistyped path (only ``--create`` does); this
    is checked before the lock file beside it is made."""
    path = sqlite_path(url)
    if path is not None and not path.exists():
        raise NotFound(
            f"There is no shop database at {path}; nothing was created. Check the path, or "
            "add --create to start a new shop there."
        )


def make_demo_database(announce: TextIO | None = None) -> str:
    """Build a fresh demo shop in a new temporary folder and return its URL."""
    from app.services.demo import build_demo_shop

    folder = Path(tempfile.mkdtemp(prefix="shopkeeper-demo-"))
    path = folder / "demo-shop.sqlite3"
    url = database_url(path)
    with _opened(url, create=True) as database, database.write() as session:
        build_demo_shop(session)
    print(f"Demo shop: {path}", file=announce or sys.stdout)
    return url


def cmd_import(database: Database, kind: str, file: str) -> int:
    result = database.run(lambda session: import_csv(session, kind, file))
    print(result.summary())
    return 0


#: Times ``receive`` plans again when another till sold, cancelled or counted one of the
#: PO's products between its plan and its confirm (each time the plan is made anew).
RECEIVE_TRIES = 5
#: Pause before planning again, times the attempt number.
RECEIVE_PAUSE = 0.05


def cmd_receive(database: Database, ref: str, *, dry_run: bool, as_json: bool) -> int:
    def receive(session: Session) -> _Received:
        # What is outstanding is read under the PO's lock, in the transaction that receives
        # it: a second `receive` of the same PO waits, then finds nothing outstanding.
        po = purchasing.receivable_purchase_order(session, ref, for_update=not dry_run)
        inputs = [
            receiving.ReceiptInput(line.product_id, line.qty_outstanding, line.po_line_id)
            for line in po.lines
            if line.qty_outstanding > 0
        ]
        if not inputs:
            raise InvalidTransition(f"Purchase order {po.ref} has nothing outstanding to receive")
        plan = receiving.preview_receipt(session, inputs, purchase_order_ref=po.ref)
        return po, plan, None if dry_run else receiving.confirm_receipt(session, plan)

    if dry_run:
        with database.read() as session:
            po, plan, result = receive(session)
    else:
        po, plan, result = _received(database, receive, ref)
    if as_json:
        print(json.dumps(plan_as_json(plan), indent=2))
        return 0
    print(f"Purchase order {po.ref} from {po.supplier}", end="")
    print(f", expected {day(po.expected_date)}" if po.expected_date else "")
    _print_plan(plan)
    if result is None:
        print("Dry run: nothing was saved.")
    else:
        print(
            f"Received {result.units_received} units: {result.units_to_customers} to waiting "
            f"customers, {result.units_to_stock} to stock (receipt {result.receipt_id})."
        )
        if result.orders_ready:
            print(f"Ready to ship: {', '.join(result.orders_ready)}")
    return 0


def _received(database: Database, receive: Callable[[Session], _Received], ref: str) -> _Received:
    """Run ``receive`` (preview + confirm, re-run as a whole on a conflict); plan again when
    stock or a queue changed between its plan and its confirm (StalePlan: there is no
    preview to look at here), and say so plainly if that keeps happening."""
    for attempt in range(1, RECEIVE_TRIES + 1):
        try:
            return database.run(receive)
        except StalePlan:
            time.sleep(RECEIVE_PAUSE * attempt)
    raise DatabaseConflict(
        f"Other tills kept selling or changing the products of {ref.strip()} while it was "
        f"being received ({RECEIVE_TRIES} tries); nothing was saved. Try again in a moment."
    )


def plan_as_json(plan: AllocationPlan) -> dict[str, object]:
    """The --json shape: allocations (qty > 0) in serving order across products (under the
    plan's policy), and the units going to stock."""
    return {
        "po": plan.purchase_order_ref,
        "allocations": [
            {"order_ref": a.order_ref, "line": a.line_no, "sku": a.sku, "qty": a.qty}
            for a in sorted(
                plan.allocations,
                key=lambda a: serving_key(
                    plan.policy,
                    pinned=a.line.pinned,
                    tier=a.line.tier,
                    queued_at=a.line.queued_at,
                    nudge=a.line.nudge,
                    order_ref=a.order_ref,
                    line_no=a.line_no,
                ),
            )
            if a.qty > 0
        ],
        "to_stock": [{"sku": p.sku, "qty": p.to_stock} for p in plan.products if p.to_stock > 0],
    }


def _print_plan(plan: AllocationPlan) -> None:
    for product in plan.products:
        print(
            f"  {product.sku} {product.name}: {product.received} received, "
            f"{product.to_customers} to customers, {product.to_stock} to stock"
        )
        for a in plan.allocations:
            if a.product_id == product.product_id and a.qty > 0:
                ready = "  (order ready to ship)" if a.completes_order else ""
                print(
                    f"      {a.qty:>4} to {a.order_ref} line {a.line_no}, {a.customer} "
                    f"(waiting {a.waiting} since {day(a.placed_at)}: {a.reason}){ready}"
                )


def cmd_send_notifications(
    database: Database, *, once: bool, interval: float = SEND_INTERVAL_SECONDS
) -> int:
    """Send what is due (then, without ``once``, again every ``interval`` seconds). Exit 0
    when nothing failed for good in the last round, 2 when something did."""
    from app.services.notifications.sender import send_due
    from app.services.notifications.settings import get_notification_settings
    from app.services.notifications.transports import build_transports

    while True:
        with database.read() as session:
            settings = get_notification_settings(session)
        report = send_due(database, build_transports(settings))
        print(report.summary(), flush=True)
        if once:
            return 2 if report.failed else 0
        time.sleep(interval)


def cmd_history(database: Database, args: argparse.Namespace) -> int:
    """The audit trail, newest first, filtered as asked (``--since``: a local day)."""
    from app.services.views.history import HistoryQuery, count_history, history_page

    query = HistoryQuery(
        user=args.by_user or "",
        document=args.order or "",
        product=args.product or "",
        action=args.action or "",
        since=args.since,
    )
    limit = max(1, args.limit)
    with database.read() as session:
        rows = history_page(session, query, 0, limit)
        total = count_history(session, query)
    if not rows:
        print("Nothing in the history matches.")
        return 0
    columns = ("When", "Who", "Till", "Did", "Document", "Product", "What")
    cells = [
        (
            row.at.astimezone().strftime("%Y-%m-%d %H:%M:%S"),
            f"{row.user} ({row.role})",
            row.till,
            row.action,
            row.document,
            row.product,
            row.summary,
        )
        for row in rows
    ]
    _print_table(columns, cells)
    if total.value > len(rows) or not total.exact:
        print(f"Newest {len(rows):,} of {total.text('event', 'events')}; --limit shows more.")
    return 0


def cmd_coupons(database: Database, customer: str | None) -> int:
    from app.services.formatting import day, money
    from app.services.views.coupons import coupons_list

    with database.read() as session:
        rows = coupons_list(session, customer)
    if not rows:
        print("No coupons" + (f" for {customer}." if customer else " yet."))
        return 0
    columns = ("Code", "Customer", "Value", "Earned by", "Given", "Expires", "Used on", "Discount")
    cells = [
        (
            row.code,
            row.customer_code,
            row.value,
            row.earned_by,
            day(row.created_at.astimezone().date()),
            day(row.expires_at.astimezone().date()) if row.expires_at else "never",
            row.redeemed_on or ("expired" if row.state() == "expired" else "not used"),
            money(row.discount, row.currency) if row.discount is not None else "",
        )
        for row in rows
    ]
    _print_table(columns, cells)
    return 0


def _print_table(columns: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> None:
    """Columns padded to their widest cell, as a terminal shows a table."""
    cells = [columns, *rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(columns))]
    for row in cells:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def cmd_check(database: Database) -> int:
    from app.services.maintenance import check_database

    with database.read() as session:
        report = check_database(session)
    print(report.text())
    return 0 if report.passed else 2


def cmd_backup(database: Database) -> int:
    from app.db.opening import backup_database

    path = backup_database(database, label="manual", keep=load_settings().keep_backups)
    print(f"Backed up to {path}")
    return 0


def cmd_print(
    database: Database, kind: str, ref: str | None, pdf: str | None, html: str | None
) -> int:
    """Write document ``kind`` as ``--pdf`` and/or ``--html``; Qt lays the PDF out
    offscreen (no display needed)."""
    if not pdf and not html:
        raise InvalidInput("Say where to write the document: --pdf FILE and/or --html FILE")
    with database.read() as session:
        document = read_document(session, kind, ref)
    if html:
        from app.printing import write_html

        write_html(document, Path(html))
        print(f"Wrote {document.title} to {html}")
    if pdf:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from PySide6.QtGui import QGuiApplication

        from app.printing import write_pdf

        _application = QGuiApplication.instance() or QGuiApplication([PROG])
        pages = write_pdf(document, Path(pdf))
        print(f"Wrote {document.title} to {pdf} ({pages} {'page' if pages == 1 else 'pages'})")
    return 0


def cmd_export(database: Database, kind: str, file: str) -> int:
    with database.read() as session:
        if file == "-":
            if sys.stdout is None:
                raise InvalidInput("There is no standard output to write to; give a file name")
            export_csv(session, kind, sys.stdout)
            sys.stdout.flush()
            return 0
        count = export_to_path(session, kind, Path(file))
    print(f"Exported {count} {'row' if count == 1 else 'rows'} of {kind} to {file}")
    return 0


REPORT_NAMES = tuple(REPORTS)


def cmd_report(
    database: Database, name: str, start: date | None, end: date | None, csv_file: str | None
) -> int:
    """Any report of :data:`app.services.reports.tables.REPORTS` over ``--from``..``--to``
    (the computer's local days; ``--to`` defaults to today, ``--from`` to 30 days before it;
    aging is as of ``--to``): a plain table under the report's headline figures, or CSV."""

    end = end or date.today()  # the shop's local day, as the reports count days
    start = start or end - timedelta(days=30)
    with database.read() as session:
        report = run_report(session, name, start, end)
    rows = report.rows
    if csv_file == "-":
        write_csv(sys.stdout, report.columns, rows)
    elif csv_file:
        count = write_csv_to_path(Path(csv_file), report.columns, rows)
        print(f"Exported {count} {'row' if count == 1 else 'rows'} of {name} to {csv_file}")
    else:
        print(report.summary)
        _print_table(
            tuple(report.columns), [tuple("" if c is None else str(c) for c in row) for row in rows]
        )
    return 0
