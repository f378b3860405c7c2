"""indexes for the digitisation figures: vendors' places and their periods and methods by vendor

Revision ID: 5e0c7a91d2b4
Revises: cc7e9c89dbfc
Create Date: 2026-12-03 15:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '5e0c7a91d2b4'
down_revision = 'cc7e9c89dbfc'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('vendors', schema=None) as batch_op:
        batch_op.create_index('ix_vendors_place', ['id', 'market_id', 'ward_code'], unique=False)
        batch_op.create_index('ix_vendors_market_vendor', ['market_id', 'id'], unique=False)
        batch_op.create_index('ix_vendors_without_market', ['ward_code', 'id'], unique=False,
                              sqlite_where=sa.text('market_id IS NULL'),
                              postgresql_where=sa.text('market_id IS NULL'))
    with op.batch_alter_table('vendor_status_periods', schema=None) as batch_op:
        batch_op.create_index('ix_vendor_status_periods_vendor_dates',
                              ['vendor_id', 'joined_on', 'left_on'], unique=False)
    with op.batch_alter_table('payment_methods', schema=None) as batch_op:
        batch_op.create_index('ix_payment_methods_vendor_dates',
                              ['vendor_id', 'started_on', 'stopped_on'], unique=False)


def downgrade():
    with op.batch_alter_table('payment_methods', schema=None) as batch_op:
        batch_op.drop_index('ix_payment_methods_vendor_dates')
    with op.batch_alter_table('vendor_status_periods', schema=None) as batch_op:
        batch_op.drop_index('ix_vendor_status_periods_vendor_dates')
    with op.batch_alter_table('vendors', schema=None) as batch_op:
        batch_op.drop_index('ix_vendors_without_market', sqlite_where=sa.text('market_id IS NULL'),
                            postgresql_where=sa.text('market_id IS NULL'))
        batch_op.drop_index('ix_vendors_market_vendor')
        batch_op.drop_index('ix_vendors_place')
