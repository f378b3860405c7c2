"""audit log of every kind of record: the province an entry is read in, indexes by thing and time

Revision ID: a7d3c2e19b40
Revises: 9a4c2e7b1f03
Create Date: 2026-12-03 16:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a7d3c2e19b40'
down_revision = '9a4c2e7b1f03'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('province_code', sa.String(length=2), nullable=True))
        batch_op.create_index('ix_audit_log_entity', ['entity', 'entity_id'], unique=False)
        batch_op.create_index('ix_audit_log_at', ['at'], unique=False)
        batch_op.create_index('ix_audit_log_province_at', ['province_code', 'at'], unique=False)
    # The entries made so far are all about vendors: each is read in its vendor's province.
    op.execute(sa.text(
        "UPDATE audit_log SET province_code = ("
        " SELECT wards.province_code FROM vendors"
        " LEFT JOIN markets ON markets.id = vendors.market_id"
        " JOIN wards ON wards.code = COALESCE(markets.ward_code, vendors.ward_code)"
        " WHERE vendors.id = audit_log.vendor_id)"
        " WHERE vendor_id IS NOT NULL"))


def downgrade():
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_province_at')
        batch_op.drop_index('ix_audit_log_at')
        batch_op.drop_index('ix_audit_log_entity')
        batch_op.drop_column('province_code')
