"""catalogue: products to export, variants per option, images, listings, export history

Revision ID: c33040d4e376
Revises: 3b8e2f6a1d47
Create Date: 2026-12-03 08:30:30.923919

"""
import json

import sqlalchemy as sa
from alembic import op

import db
from textnorm import search_key

# revision identifiers, used by Alembic.
revision = 'c33040d4e376'
down_revision = '3b8e2f6a1d47'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('product_listings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('platform', sa.String(length=50), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('listed_on', sa.Date(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_product_listings_created_by_users')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_product_listings_product_id_products')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_listings')),
    sa.UniqueConstraint('product_id', 'platform', 'url', name=op.f('uq_product_listings_product_id_platform_url'))
    )
    with op.batch_alter_table('product_listings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_product_listings_product_id'), ['product_id'], unique=False)

    op.create_table('catalog_exports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('vendor_id', sa.Integer(), nullable=True),
    sa.Column('platform', sa.String(length=50), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.Column('products_written', sa.Integer(), nullable=False),
    sa.Column('rows_written', sa.Integer(), nullable=False),
    sa.Column('left_out', sa.JSON(), nullable=False),
    sa.Column('output_name', sa.String(length=255), nullable=True),
    sa.Column('download_name', sa.String(length=255), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_catalog_exports_created_by_users')),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_catalog_exports_job_id_jobs')),
    sa.ForeignKeyConstraint(['vendor_id'], ['vendors.id'], name=op.f('fk_catalog_exports_vendor_id_vendors')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_exports'))
    )
    with op.batch_alter_table('catalog_exports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_catalog_exports_created_by'), ['created_by'], unique=False)
        batch_op.create_index(batch_op.f('ix_catalog_exports_vendor_id'), ['vendor_id'], unique=False)

    with op.batch_alter_table('product_images', schema=None) as batch_op:
        batch_op.add_column(sa.Column('thumbnail_name', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('width', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('height', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('byte_size', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('created_at', db.UTCDateTime(timezone=True), nullable=False,
                                      server_default=sa.func.current_timestamp()))

    with op.batch_alter_table('product_variants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('position', sa.Integer(), nullable=False, server_default='0'))
        batch_op.drop_constraint(batch_op.f('uq_product_variants_sku'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_product_variants_product_id_sku'), ['product_id', 'sku'])

    # Existing products (shown before this revision) stay on sale; each gets a parent SKU and the
    # option axes its variants use, in the order of their first variant.
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.Enum('draft', 'active', 'archived', name='productstatus', native_enum=False, create_constraint=True, length=32), nullable=False, server_default='active'))
        batch_op.add_column(sa.Column('sku', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('search_key', sa.String(length=255), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('price', sa.BigInteger(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('stock', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('weight_grams', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('length_mm', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('width_mm', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('height_mm', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('gtin', sa.String(length=14), nullable=True))
        batch_op.add_column(sa.Column('option_names', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('ocop_stars', sa.SmallInteger(), nullable=True))
        batch_op.add_column(sa.Column('ocop_year', sa.SmallInteger(), nullable=True))
        batch_op.add_column(sa.Column('certifications', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('shelf_life_days', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('storage', sa.String(length=300), nullable=True))

    connection = op.get_bind()
    products = sa.table('products', sa.column('id', sa.Integer), sa.column('name', sa.String),
                        sa.column('sku', sa.String), sa.column('search_key', sa.String),
                        sa.column('description', sa.Text), sa.column('option_names', sa.JSON))
    variants = sa.table('product_variants', sa.column('product_id', sa.Integer),
                        sa.column('options', sa.JSON), sa.column('id', sa.Integer))
    first_options = {}
    for product_id, options in connection.execute(
            sa.select(variants.c.product_id, variants.c.options).order_by(variants.c.id)):
        if isinstance(options, str):
            options = json.loads(options)
        first_options.setdefault(product_id, list(options or {}))
    for product_id, name, description in connection.execute(
            sa.select(products.c.id, products.c.name, products.c.description)):
        connection.execute(products.update().where(products.c.id == product_id).values(
            sku=f"SP{product_id:06d}", search_key=search_key(name)[:255],
            description=description or '', option_names=first_options.get(product_id, [])))

    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.alter_column('sku', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('description',
               existing_type=sa.TEXT(),
               nullable=False, server_default='')
        batch_op.create_unique_constraint(batch_op.f('uq_products_vendor_id_sku'), ['vendor_id', 'sku'])
        batch_op.create_check_constraint(op.f('ck_products_price_not_negative'), 'price >= 0')
        batch_op.create_check_constraint(op.f('ck_products_stock_not_negative'), 'stock >= 0')
        batch_op.create_check_constraint(op.f('ck_products_ocop_stars_range'),
                                         'ocop_stars BETWEEN 3 AND 5')



def downgrade():
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_products_ocop_stars_range'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_products_stock_not_negative'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_products_price_not_negative'), type_='check')
        batch_op.drop_constraint(batch_op.f('uq_products_vendor_id_sku'), type_='unique')
        batch_op.drop_constraint(batch_op.f('ck_products_productstatus'), type_='check')
        batch_op.alter_column('description',
               existing_type=sa.TEXT(),
               nullable=True, server_default=None)
        batch_op.drop_column('storage')
        batch_op.drop_column('shelf_life_days')
        batch_op.drop_column('certifications')
        batch_op.drop_column('ocop_year')
        batch_op.drop_column('ocop_stars')
        batch_op.drop_column('option_names')
        batch_op.drop_column('gtin')
        batch_op.drop_column('height_mm')
        batch_op.drop_column('width_mm')
        batch_op.drop_column('length_mm')
        batch_op.drop_column('weight_grams')
        batch_op.drop_column('stock')
        batch_op.drop_column('price')
        batch_op.drop_column('search_key')
        batch_op.drop_column('sku')
        batch_op.drop_column('status')

    with op.batch_alter_table('product_variants', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_product_variants_product_id_sku'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_product_variants_sku'), ['sku'])
        batch_op.drop_column('position')

    with op.batch_alter_table('product_images', schema=None) as batch_op:
        batch_op.drop_column('created_at')
        batch_op.drop_column('byte_size')
        batch_op.drop_column('height')
        batch_op.drop_column('width')
        batch_op.drop_column('thumbnail_name')

    with op.batch_alter_table('catalog_exports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_catalog_exports_vendor_id'))
        batch_op.drop_index(batch_op.f('ix_catalog_exports_created_by'))

    op.drop_table('catalog_exports')
    with op.batch_alter_table('product_listings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_product_listings_product_id'))

    op.drop_table('product_listings')
