"""job error params: a failed job's reason kept as a catalogue message and its values

Revision ID: 3b8e2f6a1d47
Revises: 7d1e5b9c4a20
Create Date: 2026-12-02 23:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '3b8e2f6a1d47'
down_revision = '7d1e5b9c4a20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('error_params', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_column('error_params')
