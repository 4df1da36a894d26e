"""product supplier SKU

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A nullable column: existing products keep every value and get no supplier SKU.
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.add_column(sa.Column("supplier_sku", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.drop_column("supplier_sku")
