"""order line ETAs

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A new table only: nothing is copied, so upgrading a shop with a million order lines
    # is instant. The ETAs are filled by the first recomputation (services.eta).
    op.create_table(
        "order_line_eta",
        sa.Column("order_line_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("expected", sa.Date(), nullable=True),
        sa.Column("likely", sa.Date(), nullable=True),
        sa.Column("late", sa.Date(), nullable=True),
        sa.Column("po_line_id", sa.Integer(), nullable=True),
        sa.Column("shortfall", sa.Integer(), nullable=False),
        sa.Column("was_status", sa.String(length=12), nullable=True),
        sa.Column("was", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["order_line_id"],
            ["order_line.id"],
            name=op.f("fk_order_line_eta_order_line_id_order_line"),
        ),
        sa.PrimaryKeyConstraint("order_line_id", name=op.f("pk_order_line_eta")),
    )
    with op.batch_alter_table("order_line_eta", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_order_line_eta_product_id"), ["product_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_order_line_eta_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("order_line_eta", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_order_line_eta_status"))
        batch_op.drop_index(batch_op.f("ix_order_line_eta_product_id"))
    op.drop_table("order_line_eta")
