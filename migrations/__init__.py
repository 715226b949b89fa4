"""Alembic migrations for the study schema, shipped inside the wheel as qualcode.migrations."""
