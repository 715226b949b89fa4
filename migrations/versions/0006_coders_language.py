"""coder names matched case- and form-insensitively; the study's sorting language

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from qualcode.domain.coders import coder_key

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (no batch rebuild): SQLite adds a column in place, and rebuilding the
    # coder table would trip the foreign keys that point at it.
    op.add_column("study", sa.Column("language", sa.String(length=35), nullable=True))
    op.add_column("coder", sa.Column("key", sa.String(length=200), nullable=False, server_default=""))
    conn = op.get_bind()
    coder = sa.table(
        "coder", sa.column("id", sa.Integer), sa.column("name", sa.String), sa.column("key", sa.String)
    )
    for coder_id, name in conn.execute(sa.select(coder.c.id, coder.c.name)).all():
        conn.execute(sa.update(coder).where(coder.c.id == coder_id).values(key=coder_key(name)))
    op.create_index(op.f("ix_coder_key"), "coder", ["key"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_coder_key"), table_name="coder")
    with op.batch_alter_table("coder", schema=None) as batch_op:
        batch_op.drop_column("key")
    with op.batch_alter_table("study", schema=None) as batch_op:
        batch_op.drop_column("language")
