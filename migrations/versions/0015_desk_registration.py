"""edition rule: on-the-spot registration at a polling station desk (off by default)

Revision ID: 0015
Revises: 0014
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing editions get the default (no registration at the desk); the server default only
    # fills the existing rows, the models set the value of new ones.
    with op.batch_alter_table('edition', schema=None) as batch_op:
        batch_op.add_column(sa.Column('desk_registration', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('edition', schema=None) as batch_op:
        batch_op.alter_column('desk_registration', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('edition', schema=None) as batch_op:
        batch_op.drop_column('desk_registration')
