"""codebook snapshots and the team glossary

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 16:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "codebook_snapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["coder.id"], name=op.f("fk_codebook_snapshot_created_by_id_coder")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_codebook_snapshot")),
        sa.UniqueConstraint("name", name=op.f("uq_codebook_snapshot_name")),
    )
    op.create_table(
        "glossary_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("term_a", sa.String(length=500), nullable=False),
        sa.Column("term_b", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["coder.id"], name=op.f("fk_glossary_entry_created_by_id_coder")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_glossary_entry")),
        sa.UniqueConstraint("term_a", "term_b", name=op.f("uq_glossary_entry_term_a_term_b")),
    )


def downgrade() -> None:
    op.drop_table("glossary_entry")
    op.drop_table("codebook_snapshot")
