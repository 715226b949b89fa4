"""full-text search over documents

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 19:50:00
"""

from __future__ import annotations

from alembic import op

from qualcode.db.search import create_search_objects, drop_search_objects

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_search_objects(op.get_bind())


def downgrade() -> None:
    drop_search_objects(op.get_bind())
