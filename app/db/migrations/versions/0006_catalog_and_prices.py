"""archived catalog records, supplier contacts, prices on order lines

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_ARCHIVABLE = ("product", "supplier", "customer")


def upgrade() -> None:
    # Archiving hides a record from new orders and pickers but keeps every document that
    # names it: nothing in a shop's history is ever deleted.
    for table in _ARCHIVABLE:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("archived_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("supplier", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("contact_name", sa.String(length=200), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("phone", sa.String(length=40), nullable=False, server_default="")
        )
    with op.batch_alter_table("order_line", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "unit_price",
                sa.Numeric(precision=12, scale=2),
                nullable=False,
                server_default="0",
            )
        )
        batch_op.create_check_constraint(
            op.f("ck_order_line_unit_price_not_negative"), "unit_price >= 0"
        )
    # Lines placed before prices were kept get the product's price of today: the price at
    # the time was never stored, and today's is the shop's best answer.
    op.execute(
        "UPDATE order_line SET unit_price = "
        "(SELECT product.price FROM product WHERE product.id = order_line.product_id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("order_line", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_order_line_unit_price_not_negative"), type_="check")
        batch_op.drop_column("unit_price")
    with op.batch_alter_table("supplier", schema=None) as batch_op:
        batch_op.drop_column("phone")
        batch_op.drop_column("contact_name")
    for table in _ARCHIVABLE:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("archived_at")
