"""shop settings hold longer values: the shop's logo, an image kept in the database

Revision ID: 0014
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The logo travels with the shop (every till prints it), base64 in a setting's value;
    # 500 characters held a currency code, not an image.
    with op.batch_alter_table("shop_setting", schema=None) as batch_op:
        batch_op.alter_column(
            "value", existing_type=sa.String(length=500), type_=sa.Text(), existing_nullable=False
        )


def downgrade() -> None:
    # A value longer than 500 characters (the logo) cannot go back into the old column.
    op.execute("DELETE FROM shop_setting WHERE length(value) > 500")
    with op.batch_alter_table("shop_setting", schema=None) as batch_op:
        batch_op.alter_column(
            "value", existing_type=sa.Text(), type_=sa.String(length=500), existing_nullable=False
        )
