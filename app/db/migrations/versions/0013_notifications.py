"""customer notifications: the outbox, the shop's templates, each customer's opt-in and channel

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_EVENTS = ("backordered", "eta_later", "part_ready", "ready_to_ship", "shipped", "cancelled")
_CHANNELS = ("email", "webhook", "none")


def _enum(values: tuple[str, ...], name: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=20)


def upgrade() -> None:
    # Existing customers never agreed to messages: they stay opted out until asked.
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("notify_opt_in", sa.Boolean(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "notify_channel",
                _enum(_CHANNELS, "notify_channel"),
                server_default="email",
                nullable=False,
            )
        )
    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("event", _enum(_EVENTS, "notify_event"), nullable=False),
        sa.Column("channel", _enum(_CHANNELS, "notify_channel"), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column(
            "status", _enum(("pending", "sent", "failed"), "notify_status"), nullable=False
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_notification_customer_id_customer")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["sales_order.id"], name=op.f("fk_notification_order_id_sales_order")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_notification_idempotency_key")),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index("ix_notification_order_id", ["order_id"], unique=False)
        batch_op.create_index(
            "ix_notification_status_next_attempt_at", ["status", "next_attempt_at"], unique=False
        )
    op.create_table(
        "notification_template",
        sa.Column("event", _enum(_EVENTS, "notify_event"), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("event", name=op.f("pk_notification_template")),
    )


def downgrade() -> None:
    op.drop_table("notification_template")
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index("ix_notification_status_next_attempt_at")
        batch_op.drop_index("ix_notification_order_id")
    op.drop_table("notification")
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.drop_column("notify_channel")
        batch_op.drop_column("notify_opt_in")
