"""receipts a manager undid: when, why and by whom (the receipt is kept)

Revision ID: 0012
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing receipts all stand: NULL undone_at, empty reason and person. Queue positions
    # need no column: taking units back leaves a line's queue time, pin and nudge as they
    # were, so it waits in its own place again.
    with op.batch_alter_table("receipt", schema=None) as batch_op:
        batch_op.add_column(sa.Column("undone_at", sa.DateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("undone_reason", sa.String(length=500), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("undone_by", sa.String(length=100), server_default="", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("receipt", schema=None) as batch_op:
        batch_op.drop_column("undone_by")
        batch_op.drop_column("undone_reason")
        batch_op.drop_column("undone_at")
