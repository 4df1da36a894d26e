"""the audit trail: an append-only table of who did what, where, when, before and after

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from app.domain.audit import append_only_statements, drop_append_only_statements

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("user_name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("till", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.String(length=60), nullable=True),
        sa.Column("order_ref", sa.String(length=40), nullable=True),
        sa.Column("po_ref", sa.String(length=40), nullable=True),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.Column("summary", sa.String(length=300), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    # The History view filters by each of these and lists newest first.
    for column in ("at", "user_name", "action", "order_ref", "po_ref", "product_id"):
        op.create_index(f"ix_audit_event_{column}", "audit_event", [column], unique=False)
    # Rows are only ever added: the database itself refuses to change or delete one.
    for statement in append_only_statements(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_append_only_statements(op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_table("audit_event")
