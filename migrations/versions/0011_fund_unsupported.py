"""edition rule: fund projects nobody voted for (off by default)

Revision ID: 0011
Revises: 0006
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing editions get the new default (never fund a project with no vote); the server
    # default only fills the existing rows, the models set the value of new ones.
    with op.batch_alter_table('edition', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fund_unsupported', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('edition', schema=None) as batch_op:
        batch_op.alter_column('fund_unsupported', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('edition', schema=None) as batch_op:
        batch_op.drop_column('fund_unsupported')
