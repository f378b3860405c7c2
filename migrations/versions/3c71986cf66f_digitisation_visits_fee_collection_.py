"""digitisation: visits, fee collection, cho40 rules

Revision ID: 3c71986cf66f
Revises: c33040d4e376
Create Date: 2026-12-03 13:25:31.033176

"""
import sqlalchemy as sa
from alembic import op

import db

# revision identifiers, used by Alembic.
revision = '3c71986cf66f'
down_revision = 'c33040d4e376'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('cho40_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('province_code', sa.String(length=2), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('min_cashless_percent', sa.Integer(), nullable=True),
    sa.Column('min_verified_percent', sa.Integer(), nullable=True),
    sa.Column('verified_within_days', sa.Integer(), nullable=False),
    sa.Column('require_cashless_fees', sa.Boolean(), nullable=False),
    sa.Column('min_listed_products', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=300), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('min_cashless_percent BETWEEN 0 AND 100', name=op.f('ck_cho40_rules_cashless_percent_range')),
    sa.CheckConstraint('min_listed_products >= 0', name=op.f('ck_cho40_rules_listed_products_positive')),
    sa.CheckConstraint('min_verified_percent BETWEEN 0 AND 100', name=op.f('ck_cho40_rules_verified_percent_range')),
    sa.CheckConstraint('verified_within_days BETWEEN 1 AND 366', name=op.f('ck_cho40_rules_verified_days_range')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_cho40_rules_created_by_users')),
    sa.ForeignKeyConstraint(['province_code'], ['provinces.code'], name=op.f('fk_cho40_rules_province_code_provinces')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cho40_rules')),
    sa.UniqueConstraint('province_code', 'effective_from', name=op.f('uq_cho40_rules_province_code_effective_from'))
    )
    with op.batch_alter_table('cho40_rules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cho40_rules_province_code'), ['province_code'], unique=False)

    op.create_table('market_fee_collections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('market_id', sa.Integer(), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('stopped_on', sa.Date(), nullable=True),
    sa.Column('note', sa.String(length=300), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('stopped_on IS NULL OR stopped_on >= started_on', name=op.f('ck_market_fee_collections_stopped_after_started')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_market_fee_collections_created_by_users')),
    sa.ForeignKeyConstraint(['market_id'], ['markets.id'], name=op.f('fk_market_fee_collections_market_id_markets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_market_fee_collections'))
    )
    with op.batch_alter_table('market_fee_collections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_market_fee_collections_market_id'), ['market_id'], unique=False)

    op.create_table('verification_visits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('vendor_id', sa.Integer(), nullable=False),
    sa.Column('visited_on', sa.Date(), nullable=False),
    sa.Column('placard_displayed', sa.Enum('yes', 'no', 'unknown', name='placard_answer', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('used_last_30_days', sa.Enum('yes', 'no', 'unknown', name='used_answer', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('recorded_by', sa.Integer(), nullable=True),
    sa.Column('created_at', db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by'], ['users.id'], name=op.f('fk_verification_visits_recorded_by_users')),
    sa.ForeignKeyConstraint(['vendor_id'], ['vendors.id'], name=op.f('fk_verification_visits_vendor_id_vendors')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_verification_visits'))
    )
    with op.batch_alter_table('verification_visits', schema=None) as batch_op:
        batch_op.create_index('ix_verification_visits_vendor_day', ['vendor_id', 'visited_on'], unique=False)



def downgrade():
    with op.batch_alter_table('verification_visits', schema=None) as batch_op:
        batch_op.drop_index('ix_verification_visits_vendor_day')

    op.drop_table('verification_visits')
    with op.batch_alter_table('market_fee_collections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_market_fee_collections_market_id'))

    op.drop_table('market_fee_collections')
    with op.batch_alter_table('cho40_rules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cho40_rules_province_code'))

    op.drop_table('cho40_rules')
