"""what the reports read: units backordered at order time, and indexes for date ranges

Revision ID: 0009
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The fill rate needs what a line could not take from stock when it was ordered; nothing
    # recorded it before. Lines placed earlier keep NULL (not known) and the reports leave
    # them out rather than guess from later allocations.
    with op.batch_alter_table("order_line", schema=None) as batch_op:
        batch_op.add_column(sa.Column("qty_backordered_at_order", sa.Integer(), nullable=True))
        # Lost demand reads the lines cancelled in a range: without it, a full scan.
        batch_op.create_index("ix_order_line_cancelled_at", ["cancelled_at"], unique=False)
    with op.batch_alter_table("allocation_event", schema=None) as batch_op:
        # The wait report reads the allocations made in a range.
        batch_op.create_index("ix_allocation_event_created_at", ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("allocation_event", schema=None) as batch_op:
        batch_op.drop_index("ix_allocation_event_created_at")
    with op.batch_alter_table("order_line", schema=None) as batch_op:
        batch_op.drop_index("ix_order_line_cancelled_at")
        batch_op.drop_column("qty_backordered_at_order")
