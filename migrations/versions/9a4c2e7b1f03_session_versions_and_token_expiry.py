"""session versions and token expiry: a logout, a new password or disabling ends every session
of the account; API tokens expire

Revision ID: 9a4c2e7b1f03
Revises: 41139d176cf1
Create Date: 2026-12-03 17:00:00

"""
import datetime as dt

import sqlalchemy as sa
from alembic import op

import db

# revision identifiers, used by Alembic.
revision = '9a4c2e7b1f03'
down_revision = '41139d176cf1'
branch_labels = None
depends_on = None

# Tokens issued before tokens expired keep working this long after the upgrade (the default
# lifetime of a new one), so that no program using one stops on the day of the upgrade.
GRACE = dt.timedelta(days=90)


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='1',
                                      nullable=False))
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', db.UTCDateTime(timezone=True),
                                      nullable=True))
    tokens = sa.table('api_tokens', sa.column('expires_at', db.UTCDateTime(timezone=True)))
    op.execute(tokens.update().values(expires_at=dt.datetime.now(dt.UTC) + GRACE))
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.alter_column('expires_at', existing_type=db.UTCDateTime(timezone=True),
                              nullable=False)


def downgrade():
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('expires_at')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_version')
