"""The schema: a new database is created at head, and the migrations build the models' schema."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.exc import IntegrityError

from app.db import Database
from app.db.database import make_engine
from app.db.migrate import alembic_config, current_revision, head_revision
from app.domain import Base
from app.domain.actors import Role
from app.services.eta import recompute_etas
from app.services.maintenance import check_database
from app.services.users import create_user, shop_has_users, sign_in
from tests.conftest import reset_postgres
from tests.db.test_audit_append_only import ONE_EVENT, REFUSED, assert_refused

#: The rows every upgrade test starts from: the shop's location and a supplier.
_SHOP_AND_SUPPLIER = (
    "INSERT INTO location (id, code, name) VALUES (1, 'SHOP', 'Shop')",
    "INSERT INTO supplier (id, code, name, email, lead_time_days)"
    " VALUES (1, 'SUP', 'Supplies', '', 7)",
)
#: A customer as the schema holds one from 0004 (her ship preference) on.
_ANN = (
    "INSERT INTO customer (id, code, name, email, phone, tier, ship_preference)"
    " VALUES (1, 'ANN', 'Ann', '', '', 'standard', 'partial')"
)


def test_a_new_database_is_stamped_at_head(db: Database) -> None:
    with db.engine.connect() as connection:
        assert current_revision(connection) == head_revision()
        tables = set(inspect(connection).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_a_new_database_has_the_default_shop_location(db: Database) -> None:
    with db.read() as session:
        rows = session.execute(text("SELECT code FROM location")).scalars().all()
    assert rows == ["SHOP"]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres_url")
        reset_postgres(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()


def test_migrating_an_empty_database_gives_the_models_schema(empty_engine: Engine) -> None:
    _upgrade_to_head(empty_engine)
    with empty_engine.connect() as connection:
        assert current_revision(connection) == head_revision()
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_the_migrations_create_the_partial_queue_indexes(empty_engine: Engine) -> None:
    _upgrade_to_head(empty_engine)
    with empty_engine.connect() as connection:
        indexes = {ix["name"] for ix in inspect(connection).get_indexes("order_line")}
    assert {"ix_order_line_waiting", "ix_order_line_queue"} <= indexes


def test_the_migrations_downgrade_to_nothing_and_back(empty_engine: Engine) -> None:
    _upgrade_to_head(empty_engine)
    with empty_engine.begin() as connection:
        command.downgrade(alembic_config(connection), "base")
    with empty_engine.connect() as connection:
        assert set(inspect(connection).get_table_names()) <= {"alembic_version"}
    _upgrade_to_head(empty_engine)
    with empty_engine.connect() as connection:
        assert current_revision(connection) == head_revision()


def test_the_head_constant_names_the_newest_migration() -> None:
    from app.db.migrate import HEAD_REVISION

    assert head_revision() == HEAD_REVISION


def test_a_shop_at_0001_upgrades_to_head_with_every_row_intact(empty_engine: Engine) -> None:
    """0002 adds the order line ETA table; the orders, lines and POs already there stay."""
    _shop_at(
        empty_engine,
        "0001",
        "INSERT INTO customer (id, code, name, email, phone, tier)"
        " VALUES (1, 'ANN', 'Ann', '', '', 'standard')",
        "INSERT INTO product (id, sku, name, price, cost, backorder_policy, reorder_point,"
        " supplier_id) VALUES (1, 'WIDGET', 'Widget', 9.50, 4.25, 'backorder', 0, 1)",
        "INSERT INTO sales_order (id, ref, customer_id, placed_at, status, note)"
        " VALUES (1, 'SO-1', 1, '2026-11-20 09:00:00', 'backordered', '')",
        "INSERT INTO order_line (id, order_id, line_no, product_id, qty_ordered,"
        " qty_allocated, qty_shipped, qty_cancelled, qty_backordered, queued_at,"
        " cancel_reason) VALUES (1, 1, 1, 1, 5, 0, 0, 0, 5, '2026-11-20 09:00:00', '')",
        "INSERT INTO purchase_order (id, ref, supplier_id, ordered_at, expected_date,"
        " status, note) VALUES (1, 'PO-1', 1, '2026-11-20 10:00:00', '2026-12-03',"
        " 'open', '')",
        "INSERT INTO purchase_order_line (id, purchase_order_id, line_no, product_id,"
        " qty_ordered, qty_received, unit_cost) VALUES (1, 1, 1, 1, 8, 0, 4.25)",
    )
    before = _rows_of(empty_engine)
    _upgrade_to_head(empty_engine)
    with empty_engine.connect() as connection:
        assert current_revision(connection) == head_revision()
        # Columns added since are appended with their defaults: 0003 product.supplier_sku;
        # 0004 product.max_backorder_qty, customer.ship_preference, sales_order.ship_preference,
        # order_line.pinned and queue_nudge.
        # 0006 product, supplier and customer archived_at, supplier contact_name and phone,
        # order_line.unit_price (today's product price: the price at the time was not kept).
        # 0007 order_line.cancelled_at (none). 0009 order_line.qty_backordered_at_order (not
        # known for a line placed before it: None, left out of the fill rate). 0013 customer
        # notify_opt_in (off: nobody agreed to messages) and notify_channel (e-mail).
        # 0016 product.bin (none: "").
        assert _rows(connection) == {
            **before,
            "product": [(*row, None, None, None, "") for row in before["product"]],
            "supplier": [(*row, None, "", "") for row in before["supplier"]],
            "customer": [(*row, "partial", None, False, "email") for row in before["customer"]],
            "sales_order": [(*row, None) for row in before["sales_order"]],
            "order_line": [
                (*row, False, 0, Decimal("9.50"), None, None) for row in before["order_line"]
            ],
        }
        assert connection.execute(text("SELECT count(*) FROM order_line_eta")).scalar() == 0
    with _database(empty_engine) as database:
        with database.write() as session:
            changes = recompute_etas(session)
        assert (changes.lines, changes.updated) == (1, 1)
        with database.read() as session:
            status, likely = session.execute(
                text("SELECT status, likely FROM order_line_eta WHERE order_line_id = 1")
            ).one()
        assert status == "on_order" and str(likely) == "2026-12-03"


def test_a_shop_at_0002_upgrades_to_head_and_its_products_have_no_supplier_sku(
    empty_engine: Engine,
) -> None:
    """0003 adds product.supplier_sku (nullable); every product already there stays as it was."""
    _shop_at(
        empty_engine,
        "0002",
        "INSERT INTO product (id, sku, name, barcode, price, cost, backorder_policy,"
        " reorder_point, supplier_id) VALUES (1, 'WIDGET', 'Widget', '4006381333931',"
        " 9.50, 4.25, 'backorder', 3, 1)",
    )
    with empty_engine.connect() as connection:
        before = connection.execute(text("SELECT * FROM product ORDER BY id")).mappings().all()
    _upgrade_to_head(empty_engine)
    with empty_engine.connect() as connection:
        assert current_revision(connection) == head_revision()
        after = connection.execute(text("SELECT * FROM product ORDER BY id")).mappings().all()
    assert [dict(row) for row in after] == [
        {
            **row,
            "supplier_sku": None,
            "max_backorder_qty": None,
            "archived_at": None,
            "bin": "",
        }
        for row in before
    ]


def _rows(connection: Connection, *tables: str) -> dict[str, list[tuple[object, ...]]]:
    tables = tables or (
        "customer",
        "supplier",
        "product",
        "sales_order",
        "order_line",
        "purchase_order",
        "purchase_order_line",
    )
    return {
        table: [
            tuple(row) for row in connection.execute(text(f"SELECT * FROM {table} ORDER BY id"))
        ]
        for table in tables
    }


def _shop_at(engine: Engine, revision: str, *rows: str) -> None:
    """A shop migrated only to ``revision``, holding the shop's location, a supplier and
    ``rows`` (INSERT statements in that revision's schema)."""
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)
        for statement in (*_SHOP_AND_SUPPLIER, *rows):
            connection.execute(text(statement))


def _upgrade_to_head(engine: Engine) -> None:
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")


def _rows_of(engine: Engine, *tables: str) -> dict[str, list[tuple[object, ...]]]:
    with engine.connect() as connection:
        return _rows(connection, *tables)


@contextmanager
def _database(engine: Engine) -> Iterator[Database]:
    """The upgraded shop opened as the app opens it."""
    database = Database(engine.url.render_as_string(hide_password=False))
    try:
        yield database
    finally:
        database.dispose()


def _opted_out(before: dict[str, list[tuple[object, ...]]]) -> dict[str, list[tuple[object, ...]]]:
    """``before`` as it reads after 0013 (which follows 0012) and 0016: each customer gains
    notify_opt_in (off) and notify_channel (e-mail), each product an empty bin."""
    return {
        **before,
        "customer": [(*row, False, "email") for row in before["customer"]],
        "product": [(*row, "") for row in before["product"]],
    }


def test_a_shop_at_0004_upgrades_to_head_and_its_receipts_record_no_accepted_surplus(
    empty_engine: Engine,
) -> None:
    """0005 adds receipt_line.qty_over (the accepted over-receipt); receipts already there
    keep every value and record none, so a PO line they took beyond what was ordered (a
    double receipt, or a surplus accepted before acceptance was recorded) is reported by
    Check database for the owner to look at."""
    _shop_at(
        empty_engine,
        "0004",
        "INSERT INTO product (id, sku, name, price, cost, backorder_policy, reorder_point,"
        " supplier_id) VALUES (1, 'KET', 'Kettle', 9.50, 4.25, 'backorder', 0, 1)",
        "INSERT INTO purchase_order (id, ref, supplier_id, ordered_at, expected_date,"
        " status, note) VALUES (1, 'PO-B', 1, '2026-11-20 10:00:00', '2026-12-03',"
        " 'received', '')",
        "INSERT INTO purchase_order_line (id, purchase_order_id, line_no, product_id,"
        " qty_ordered, qty_received, unit_cost) VALUES (1, 1, 1, 1, 4, 8, 4.25)",
        "INSERT INTO receipt (id, purchase_order_id, received_at, note)"
        " VALUES (1, 1, '2026-12-03 09:00:00', ''), (2, 1, '2026-12-03 09:00:01', '')",
        "INSERT INTO receipt_line (id, receipt_id, purchase_order_line_id, product_id, qty)"
        " VALUES (1, 1, 1, 1, 4), (2, 2, 1, 1, 4)",
        "INSERT INTO stock_movement (id, product_id, location_id, qty, kind, reason,"
        " document, receipt_id, created_at) VALUES"
        " (1, 1, 1, 4, 'receipt', '', 'PO-B', 1, '2026-12-03 09:00:00'),"
        " (2, 1, 1, 4, 'receipt', '', 'PO-B', 2, '2026-12-03 09:00:01')",
        "INSERT INTO stock_balance (product_id, location_id, on_hand, allocated,"
        " version) VALUES (1, 1, 8, 0, 2)",
    )
    before = _rows_of(empty_engine, "receipt", "receipt_line", "purchase_order_line")
    _upgrade_to_head(empty_engine)
    with empty_engine.connect() as connection:
        assert current_revision(connection) == head_revision()
        after = _rows(connection, "receipt", "receipt_line", "purchase_order_line")
    # 0005 gives each receipt line no accepted surplus; 0012 leaves each receipt standing.
    assert after == {
        **before,
        "receipt": [(*row, None, "", "") for row in before["receipt"]],
        "receipt_line": [(*row, 0) for row in before["receipt_line"]],
    }
    with _database(empty_engine) as database, database.read() as session:
        report = check_database(session)
    (received,) = [c for c in report.checks if c.title.startswith("Purchase orders received only")]
    assert received.problems == (
        "PO-B line 1 KET: 4 ordered, 8 received, no surplus accepted: 4 more than ordered",
    )


def test_a_shop_at_0005_upgrades_to_head_and_its_order_lines_take_todays_prices(
    empty_engine: Engine,
) -> None:
    """0006: every catalog record stays active (archived_at empty), suppliers get an empty
    contact, and each order line gets its product's price as its unit price."""
    _shop_at(
        empty_engine,
        "0005",
        _ANN,
        "INSERT INTO product (id, sku, name, price, cost, backorder_policy, reorder_point,"
        " supplier_id) VALUES (1, 'KET', 'Kettle', 24.99, 11.00, 'backorder', 0, 1),"
        " (2, 'MUG', 'Mug', 0, 0, 'backorder', 0, 1)",
        "INSERT INTO sales_order (id, ref, customer_id, placed_at, status, note)"
        " VALUES (1, 'SO-1', 1, '2026-11-20 09:00:00', 'backordered', '')",
        "INSERT INTO order_line (id, order_id, line_no, product_id, qty_ordered,"
        " qty_allocated, qty_shipped, qty_cancelled, qty_backordered, queued_at,"
        " cancel_reason, pinned, queue_nudge) VALUES"
        " (1, 1, 1, 1, 2, 0, 0, 0, 2, '2026-11-20 09:00:00', '', false, 0),"
        " (2, 1, 2, 2, 1, 0, 0, 0, 1, '2026-11-20 09:00:00', '', false, 0)",
    )
    _upgrade_to_head(empty_engine)
    with empty_engine.connect() as connection:
        prices = connection.execute(text("SELECT id, unit_price FROM order_line ORDER BY id"))
        assert [(row[0], Decimal(str(row[1]))) for row in prices] == [
            (1, Decimal("24.99")),
            (2, Decimal("0")),
        ]
        for table in ("product", "supplier", "customer"):
            archived = connection.execute(text(f"SELECT archived_at FROM {table}")).scalars()
            assert set(archived) == {None}
        contact = connection.execute(text("SELECT contact_name, phone FROM supplier")).one()
        assert tuple(contact) == ("", "")
        # 0007: no line has a cancellation time it was never given.
        cancelled = connection.execute(text("SELECT cancelled_at FROM order_line")).scalars()
        assert set(cancelled) == {None}


def test_a_shop_at_0009_upgrades_to_head_with_no_users_and_acts_as_its_owner(
    empty_engine: Engine,
) -> None:
    """0010 adds shop_user, empty: an upgraded shop keeps working as its owner, with no
    sign-in, until the owner adds the first user; its rows are untouched."""
    _shop_at(empty_engine, "0009")
    before = _rows_of(empty_engine, "supplier")
    _upgrade_to_head(empty_engine)
    assert _rows_of(empty_engine, "supplier") == before
    with _database(empty_engine) as database:
        with database.write() as session:
            assert not shop_has_users(session)
            first = create_user(session, "Olga", Role.CLERK, "1234")
        assert first.user.role is Role.OWNER
        with database.write() as session:
            assert sign_in(session, "olga", "1234").actor_or_raise().role is Role.OWNER


def test_a_shop_at_0010_upgrades_to_head_with_an_empty_audit_trail(empty_engine: Engine) -> None:
    """0011 adds the audit trail: every row already there stays as it was, the trail starts
    empty (nothing before the upgrade was recorded, so nothing is made up), and it refuses
    changes and deletions as a new shop's does."""
    _shop_at(
        empty_engine,
        "0010",
        _ANN,
        "INSERT INTO product (id, sku, name, price, cost, backorder_policy, reorder_point,"
        " supplier_id) VALUES (1, 'KET', 'Kettle', 24.99, 11.00, 'backorder', 0, 1)",
    )
    before = _rows_of(empty_engine)
    _upgrade_to_head(empty_engine)
    with empty_engine.connect() as connection:
        assert current_revision(connection) == head_revision()
        assert _rows(connection) == _opted_out(before)
        assert connection.execute(text("SELECT count(*) FROM audit_event")).scalar() == 0
    with empty_engine.begin() as connection:
        connection.execute(text(ONE_EVENT))
    for statement in REFUSED:  # guarded as a new shop is
        assert_refused(empty_engine, statement)


def test_a_shop_at_0011_upgrades_to_head_keeping_its_settings_and_then_holds_a_logo(
    empty_engine: Engine,
) -> None:
    """0014: a setting's value becomes text long enough for the shop's logo (base64)."""
    _shop_at(
        empty_engine, "0011", "INSERT INTO shop_setting (key, value) VALUES ('currency', 'GBP')"
    )
    with empty_engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
        logo = "iVBORw0K" * 20_000  # 160,000 characters, as a logo of ~120 KB takes
        connection.execute(
            text("INSERT INTO shop_setting (key, value) VALUES ('shop_logo', :logo)"),
            {"logo": logo},
        )
    with empty_engine.connect() as connection:
        rows = dict(connection.execute(text("SELECT key, value FROM shop_setting")).all())
    assert rows == {"currency": "GBP", "shop_logo": logo}


def test_a_shop_at_0014_upgrades_to_head_with_no_coupons_and_its_orders_can_earn_one(
    empty_engine: Engine,
) -> None:
    """0015: the coupon table starts empty (no past order earned anything) and an existing
    order can earn one, used by a later one; the code is unique."""
    _shop_at(
        empty_engine,
        "0014",
        _ANN,
        "INSERT INTO sales_order (id, ref, customer_id, placed_at, status, note)"
        " VALUES (1, 'SO-1', 1, '2026-11-20 09:00:00', 'shipped', ''),"
        " (2, 'SO-2', 1, '2026-12-01 09:00:00', 'open', '')",
    )
    before = _rows_of(empty_engine)
    _upgrade_to_head(empty_engine)
    with empty_engine.begin() as connection:
        assert _rows(connection) == _opted_out(before)
        assert connection.execute(text("SELECT count(*) FROM coupon")).scalar() == 0
        connection.execute(
            text(
                "INSERT INTO coupon (code, customer_id, earned_order_id, percent, created_at,"
                " redeemed_order_id, redeemed_at, discount) VALUES ('ABCD2345', 1, 1, 10,"
                " '2026-12-01 09:00:00', 2, '2026-12-01 09:00:00', 4.50)"
            )
        )
    with empty_engine.connect() as connection, pytest.raises(IntegrityError):
        connection.execute(
            text(
                "INSERT INTO coupon (code, customer_id, earned_order_id, amount, created_at)"
                " VALUES ('ABCD2345', 1, 2, 5, '2026-12-01 09:00:00')"
            )
        )


def test_a_shop_at_0015_upgrades_to_head_and_its_receipts_all_stand(empty_engine: Engine) -> None:
    """0012 adds receipt.undone_at, undone_reason and undone_by: receipts already there keep
    every value and none is undone, so the database check, supplier history and reports
    still count them."""
    _shop_at(
        empty_engine,
        "0015",
        "INSERT INTO product (id, sku, name, price, cost, backorder_policy, reorder_point,"
        " supplier_id) VALUES (1, 'KET', 'Kettle', 9.50, 4.25, 'backorder', 0, 1)",
        "INSERT INTO purchase_order (id, ref, supplier_id, ordered_at, expected_date,"
        " status, note) VALUES (1, 'PO-B', 1, '2026-11-20 10:00:00', '2026-12-03',"
        " 'partially_received', '')",
        "INSERT INTO purchase_order_line (id, purchase_order_id, line_no, product_id,"
        " qty_ordered, qty_received, unit_cost) VALUES (1, 1, 1, 1, 8, 4, 4.25)",
        "INSERT INTO receipt (id, purchase_order_id, received_at, note)"
        " VALUES (1, 1, '2026-12-03 09:00:00', 'first box')",
        "INSERT INTO receipt_line (id, receipt_id, purchase_order_line_id, product_id, qty,"
        " qty_over) VALUES (1, 1, 1, 1, 4, 0)",
        "INSERT INTO stock_movement (id, product_id, location_id, qty, kind, reason,"
        " document, receipt_id, created_at) VALUES"
        " (1, 1, 1, 4, 'receipt', '', 'PO-B', 1, '2026-12-03 09:00:00')",
        "INSERT INTO stock_balance (product_id, location_id, on_hand, allocated,"
        " version) VALUES (1, 1, 4, 0, 1)",
    )
    before = _rows_of(empty_engine, "receipt", "receipt_line", "purchase_order_line")
    _upgrade_to_head(empty_engine)
    with empty_engine.connect() as connection:
        after = _rows(connection, "receipt", "receipt_line", "purchase_order_line")
    assert after == {**before, "receipt": [(*row, None, "", "") for row in before["receipt"]]}
    with _database(empty_engine) as database, database.read() as session:
        report = check_database(session)
    assert all(not check.problems for check in report.checks)


def test_a_shop_at_0012_upgrades_to_head_with_its_customers_opted_out(
    empty_engine: Engine,
) -> None:
    """0013: customers who never agreed to messages get none (opted out, e-mail preferred);
    the outbox and the templates start empty."""
    _shop_at(
        empty_engine,
        "0012",
        "INSERT INTO customer (id, code, name, email, phone, tier, ship_preference)"
        " VALUES (1, 'ANN', 'Ann', 'ann@example.com', '', 'gold', 'partial')",
    )
    _upgrade_to_head(empty_engine)
    with empty_engine.connect() as connection:
        row = connection.execute(
            text("SELECT code, email, tier, notify_opt_in, notify_channel FROM customer")
        ).one()
        assert (row[0], row[1], row[2], bool(row[3]), row[4]) == (
            "ANN",
            "ann@example.com",
            "gold",
            False,
            "email",
        )
        for table in ("notification", "notification_template"):
            assert connection.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0


def test_a_shop_at_0013_upgrades_to_head_and_its_products_have_an_empty_bin(
    empty_engine: Engine,
) -> None:
    """0016 adds product.bin (not null, ""): every product stays as it was, with no bin yet,
    and a product added afterwards without one gets the empty bin too."""
    _shop_at(
        empty_engine,
        "0013",
        "INSERT INTO product (id, sku, name, barcode, price, cost, backorder_policy,"
        " reorder_point, supplier_id, supplier_sku, max_backorder_qty)"
        " VALUES (1, 'WIDGET', 'Widget', '4006381333931', 9.50, 4.25, 'backorder', 3, 1,"
        " 'W-1', 20)",
        "INSERT INTO product (id, sku, name, price, cost, backorder_policy, reorder_point)"
        " VALUES (2, 'GADGET', 'Gadget', 1.00, 0.50, 'reject', 0)",
    )
    before = _rows_of(empty_engine, "product")
    _upgrade_to_head(empty_engine)
    with empty_engine.begin() as connection:
        assert current_revision(connection) == head_revision()
        assert _rows(connection, "product") == {
            "product": [(*row, "") for row in before["product"]]
        }
        connection.execute(
            text(
                "INSERT INTO product (id, sku, name, price, cost, backorder_policy,"
                " reorder_point) VALUES (3, 'GIZMO', 'Gizmo', 2.00, 1.00, 'backorder', 0)"
            )
        )
        assert connection.execute(text("SELECT bin FROM product WHERE id = 3")).scalar() == ""
