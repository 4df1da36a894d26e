"""when an order line was last cancelled

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Cancelling units that were only waiting frees no stock and so left no dated record:
    # an order's history could say what was cancelled, not when. Lines cancelled before
    # this revision keep no time (NULL): the history lists them undated, as before.
    with op.batch_alter_table("order_line", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cancelled_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("order_line", schema=None) as batch_op:
        batch_op.drop_column("cancelled_at")
