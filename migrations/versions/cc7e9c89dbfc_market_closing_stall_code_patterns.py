"""market closing, stall code patterns, stall match keys

A market's closing day and pattern of stall codes; each stall's match key (its code without
separators or leading zeros, market/stall_codes.py), filled in for the stalls already recorded.

Revision ID: cc7e9c89dbfc
Revises: 7c45828bb009
Create Date: 2026-12-03 14:34:41

"""
import sqlalchemy as sa
from alembic import op

# The rule itself, not a copy of it: a key computed here is the key the app looks up.
from market.stall_codes import stall_match_key

# revision identifiers, used by Alembic.
revision = 'cc7e9c89dbfc'
down_revision = '7c45828bb009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('markets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stall_code_pattern', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('closed_on', sa.Date(), nullable=True))

    with op.batch_alter_table('stalls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('match_key', sa.String(length=40), nullable=True))

    stalls = sa.table('stalls', sa.column('id', sa.Integer), sa.column('code', sa.String),
                      sa.column('match_key', sa.String))
    connection = op.get_bind()
    keys = [{'stall_id': stall_id, 'key': stall_match_key(code)}
            for stall_id, code in connection.execute(sa.select(stalls.c.id, stalls.c.code))]
    if keys:
        connection.execute(
            stalls.update().where(stalls.c.id == sa.bindparam('stall_id'))
            .values(match_key=sa.bindparam('key')), keys)

    with op.batch_alter_table('stalls', schema=None) as batch_op:
        batch_op.alter_column('match_key', existing_type=sa.String(length=40), nullable=False)
        batch_op.create_index('ix_stalls_market_id_match_key', ['market_id', 'match_key'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('stalls', schema=None) as batch_op:
        batch_op.drop_index('ix_stalls_market_id_match_key')
        batch_op.drop_column('match_key')

    with op.batch_alter_table('markets', schema=None) as batch_op:
        batch_op.drop_column('closed_on')
        batch_op.drop_column('stall_code_pattern')
