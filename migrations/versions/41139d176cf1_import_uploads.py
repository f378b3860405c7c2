"""import uploads: vendor lists uploaded for import, kept in the database (where every web
process and job worker reads them) from their check to their commit

Revision ID: 41139d176cf1
Revises: 5e0c7a91d2b4
Create Date: 2026-12-03 14:46:38

"""
import sqlalchemy as sa
from alembic import op

import db

# revision identifiers, used by Alembic.
revision = '41139d176cf1'
down_revision = '5e0c7a91d2b4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'import_uploads',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('uploaded_by', sa.Integer(), nullable=False),
        sa.Column('uploaded_at', db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('filename', sa.String(length=200), nullable=False),
        sa.Column('market_id', sa.Integer(), nullable=True),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=True),
        sa.Column('check_report', sa.JSON(), nullable=True),
        sa.Column('commit_report', sa.JSON(), nullable=True),
        sa.Column('commit_job_id', sa.Integer(), nullable=True),
        sa.Column('committed_at', db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('vendors_registered', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['commit_job_id'], ['jobs.id'],
                                name=op.f('fk_import_uploads_commit_job_id_jobs')),
        sa.ForeignKeyConstraint(['market_id'], ['markets.id'],
                                name=op.f('fk_import_uploads_market_id_markets')),
        sa.ForeignKeyConstraint(['uploaded_by'], ['users.id'],
                                name=op.f('fk_import_uploads_uploaded_by_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_import_uploads')),
        # Jobs name their upload by id: SQLite must not reuse a deleted upload's.
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table('import_uploads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_uploads_uploaded_at'), ['uploaded_at'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_import_uploads_uploaded_by'), ['uploaded_by'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('import_uploads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_uploads_uploaded_by'))
        batch_op.drop_index(batch_op.f('ix_import_uploads_uploaded_at'))
    op.drop_table('import_uploads')
