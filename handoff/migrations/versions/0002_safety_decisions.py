"""Safety screen decisions, one per screened creator message.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "safety_decisions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("conversation_id", sa.String(32), sa.ForeignKey("conversations.id"), nullable=False, index=True),
        sa.Column("message_id", sa.Integer, sa.ForeignKey("messages.id"), nullable=False, index=True),
        sa.Column("flagged", sa.Boolean, nullable=False),
        sa.Column("category", sa.String(32)),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("signals", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("safety_decisions")
