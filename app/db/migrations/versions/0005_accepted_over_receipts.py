"""accepted over-receipts on receipt lines

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Receipts from before this revision recorded no acceptance: their lines get 0, so a
    # PO line they took beyond what was ordered is reported by Check database (the owner
    # can tell a generous supplier from a purchase order received twice; the app cannot).
    with op.batch_alter_table("receipt_line", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("qty_over", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.create_check_constraint(
            op.f("ck_receipt_line_qty_over_within_qty"), "qty_over >= 0 AND qty_over <= qty"
        )


def downgrade() -> None:
    with op.batch_alter_table("receipt_line", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_receipt_line_qty_over_within_qty"), type_="check")
        batch_op.drop_column("qty_over")
