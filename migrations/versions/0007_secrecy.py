"""secrecy: ballots encrypted during the vote, the editions' keys, signed heads of the board;
the sign-in row's district becomes the register's (nullable).

Upgrade between votes: an edition whose vote is open during the upgrade has no key, and its
votes are refused (ballot_box_not_ready) until it is closed.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 02:30:37.124262
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
import pb.db


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ballot_key',
    sa.Column('edition_id', sa.Integer(), nullable=False),
    sa.Column('mode', sa.Enum('server', 'trustees', name='key_mode', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('public_key', sa.String(length=64), nullable=False),
    sa.Column('threshold', sa.Integer(), nullable=False),
    sa.Column('shares', sa.Integer(), nullable=False),
    sa.Column('signing_key', sa.String(length=64), nullable=False),
    sa.Column('created_at', pb.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decrypted_at', pb.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('threshold >= 1 AND threshold <= shares', name=op.f('ck_ballot_key_threshold_in_shares')),
    sa.ForeignKeyConstraint(['edition_id'], ['edition.id'], name=op.f('fk_ballot_key_edition_id_edition'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('edition_id', name=op.f('pk_ballot_key'))
    )
    op.create_table('board_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('edition_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('entry_hash', sa.String(length=64), nullable=False),
    sa.Column('signature', sa.String(length=128), nullable=False),
    sa.Column('signed_at', pb.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('at_close', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['edition_id'], ['edition.id'], name=op.f('fk_board_head_edition_id_edition'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_board_head')),
    sa.UniqueConstraint('edition_id', 'position', name=op.f('uq_board_head_edition_id_position'))
    )
    op.create_table('encrypted_ballot',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('edition_id', sa.Integer(), nullable=False),
    sa.Column('box', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['edition_id'], ['edition.id'], name=op.f('fk_encrypted_ballot_edition_id_edition'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_encrypted_ballot')),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('encrypted_ballot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_encrypted_ballot_edition_id'), ['edition_id'], unique=False)

    with op.batch_alter_table('participation', schema=None) as batch_op:
        batch_op.alter_column('district_id',
               existing_type=sa.INTEGER(),
               nullable=True)



def downgrade() -> None:
    with op.batch_alter_table('participation', schema=None) as batch_op:
        batch_op.alter_column('district_id',
               existing_type=sa.INTEGER(),
               nullable=False)

    with op.batch_alter_table('encrypted_ballot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_encrypted_ballot_edition_id'))

    op.drop_table('encrypted_ballot')
    op.drop_table('board_head')
    op.drop_table('ballot_key')
