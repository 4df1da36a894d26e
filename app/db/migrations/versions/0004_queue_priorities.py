"""queue priorities, ship preferences, backorder limits, allocation reasons

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_WAITING = sa.text("qty_backordered > 0")
_OLD_WAITING_COLUMNS = ["product_id", "queued_at", "order_id", "line_no", "qty_backordered"]


def _ship_preference() -> sa.Enum:
    return sa.Enum("partial", "complete", name="ship_preference", native_enum=False, length=20)


def upgrade() -> None:
    op.create_table(
        "shop_setting",
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("value", sa.String(length=500), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_shop_setting")),
    )
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "ship_preference",
                _ship_preference(),
                nullable=False,
                server_default="partial",
            )
        )
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.add_column(sa.Column("max_backorder_qty", sa.Integer(), nullable=True))
    with op.batch_alter_table("sales_order", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ship_preference", _ship_preference(), nullable=True))
    with op.batch_alter_table("order_line", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("pinned", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("queue_nudge", sa.Integer(), nullable=False, server_default="0")
        )
    # The waiting-lines index now also covers the manager's pins and nudges.
    op.drop_index("ix_order_line_waiting", table_name="order_line")
    op.create_index(
        "ix_order_line_waiting",
        "order_line",
        [*_OLD_WAITING_COLUMNS, "pinned", "queue_nudge"],
        unique=False,
        sqlite_where=_WAITING,
        postgresql_where=_WAITING,
    )
    with op.batch_alter_table("allocation_event", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reason", sa.String(length=200), nullable=False, server_default="")
        )
    with op.batch_alter_table("order_line_eta", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("position", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("units_ahead", sa.Integer(), nullable=False, server_default="0")
        )
    # Every existing customer takes partial shipments (the default): an order with units
    # allocated while others still wait is now "part ready to ship".
    op.execute(
        "UPDATE sales_order SET status = 'part_ready' WHERE status = 'backordered' AND id IN "
        "(SELECT order_id FROM order_line GROUP BY order_id HAVING SUM(qty_allocated) > 0)"
    )


def downgrade() -> None:
    op.execute("UPDATE sales_order SET status = 'backordered' WHERE status = 'part_ready'")
    with op.batch_alter_table("order_line_eta", schema=None) as batch_op:
        batch_op.drop_column("units_ahead")
        batch_op.drop_column("position")
    with op.batch_alter_table("allocation_event", schema=None) as batch_op:
        batch_op.drop_column("reason")
    op.drop_index("ix_order_line_waiting", table_name="order_line")
    op.create_index(
        "ix_order_line_waiting",
        "order_line",
        _OLD_WAITING_COLUMNS,
        unique=False,
        sqlite_where=_WAITING,
        postgresql_where=_WAITING,
    )
    with op.batch_alter_table("order_line", schema=None) as batch_op:
        batch_op.drop_column("queue_nudge")
        batch_op.drop_column("pinned")
    with op.batch_alter_table("sales_order", schema=None) as batch_op:
        batch_op.drop_column("ship_preference")
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.drop_column("max_backorder_qty")
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.drop_column("ship_preference")
    op.drop_table("shop_setting")
