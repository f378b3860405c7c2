"""job heartbeat: when the process running a job last reported

Revision ID: 7d1e5b9c4a20
Revises: c602d3354eef
Create Date: 2026-12-01 15:00:00

"""
import sqlalchemy as sa
from alembic import op

import db

# revision identifiers, used by Alembic.
revision = '7d1e5b9c4a20'
down_revision = 'c602d3354eef'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('heartbeat_at', db.UTCDateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_column('heartbeat_at')
