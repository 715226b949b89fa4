"""sub-codes: a code may have a parent code

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 16:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("code", schema=None) as batch_op:
        batch_op.add_column(sa.Column("parent_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_code_parent_id_code"), "code", ["parent_id"], ["id"], ondelete="RESTRICT"
        )
        batch_op.create_index(batch_op.f("ix_code_parent_id"), ["parent_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("code", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_code_parent_id"))
        batch_op.drop_constraint(batch_op.f("fk_code_parent_id_code"), type_="foreignkey")
        batch_op.drop_column("parent_id")
