"""job slots and file expiry: which process runs a job, when its file was removed, status indexed

Revision ID: b7e2a9c41d05
Revises: 9d4e2b7a1c05
Create Date: 2026-12-03 16:40:00

"""
import sqlalchemy as sa
from alembic import op

import db

# revision identifiers, used by Alembic.
revision = 'b7e2a9c41d05'
down_revision = '9d4e2b7a1c05'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('runner', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('file_expired_at', db.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.create_index(batch_op.f('ix_jobs_status'), ['status'], unique=False)


def downgrade():
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_jobs_status'))
        batch_op.drop_column('file_expired_at')
        batch_op.drop_column('runner')
