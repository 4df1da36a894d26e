"""goodwill coupons: earned by a long-waiting order, redeemed once on a later one

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A new table only: no existing row changes, and existing orders earned nothing (the
    # rule applies to shipments from the day the owner turns it on).
    op.create_table(
        "coupon",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("earned_order_id", sa.Integer(), nullable=False),
        sa.Column("percent", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
        sa.Column("redeemed_order_id", sa.Integer(), nullable=True),
        sa.Column("redeemed_at", sa.DateTime(), nullable=True),
        sa.Column("discount", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.CheckConstraint(
            "(percent IS NULL) <> (amount IS NULL)", name=op.f("ck_coupon_percent_or_amount")
        ),
        sa.CheckConstraint(
            "percent IS NULL OR (percent > 0 AND percent <= 100)",
            name=op.f("ck_coupon_percent_in_range"),
        ),
        sa.CheckConstraint("amount IS NULL OR amount > 0", name=op.f("ck_coupon_amount_positive")),
        sa.CheckConstraint(
            "(redeemed_order_id IS NULL) = (redeemed_at IS NULL)",
            name=op.f("ck_coupon_redeemed_together"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_coupon_customer_id_customer")
        ),
        sa.ForeignKeyConstraint(
            ["earned_order_id"],
            ["sales_order.id"],
            name=op.f("fk_coupon_earned_order_id_sales_order"),
        ),
        sa.ForeignKeyConstraint(
            ["redeemed_order_id"],
            ["sales_order.id"],
            name=op.f("fk_coupon_redeemed_order_id_sales_order"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coupon")),
        sa.UniqueConstraint("code", name=op.f("uq_coupon_code")),
        sa.UniqueConstraint("earned_order_id", name=op.f("uq_coupon_earned_order_id")),
        sa.UniqueConstraint("redeemed_order_id", name=op.f("uq_coupon_redeemed_order_id")),
    )
    op.create_index(op.f("ix_coupon_customer_id"), "coupon", ["customer_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_coupon_customer_id"), table_name="coupon")
    op.drop_table("coupon")
