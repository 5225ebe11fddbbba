"""project.external_ref: no server default, as the model says

0006 added the NOT NULL column with a server default ('') so that existing projects got a value,
and left the default in place; the model has none (the application always writes the column).
pb.migrate.differences now compares server defaults, and found the drift.

Revision ID: 0014
Revises: 0012
Create Date: 2026-12-06 03:10:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.alter_column('external_ref', existing_type=sa.String(length=64), existing_nullable=False,
                              server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.alter_column('external_ref', existing_type=sa.String(length=64), existing_nullable=False,
                              server_default='')
