"""users who sign in at the tills: a name, a role, a PIN hash and wrong tries

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A shop upgraded from before users has none, and keeps acting as its owner until the
    # owner adds the first one.
    op.create_table(
        "shop_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("name_key", sa.String(length=40), nullable=False),
        sa.Column(
            "role",
            sa.Enum("clerk", "manager", "owner", name="user_role", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("pin_hash", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("failed_tries", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shop_user")),
        sa.UniqueConstraint("name_key", name=op.f("uq_shop_user_name_key")),
    )


def downgrade() -> None:
    op.drop_table("shop_user")
