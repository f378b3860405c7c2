"""Vietnamese collation on PostgreSQL (ICU): lists of names sorted as Vietnamese readers expect
(db.vietnamese_order). SQLite gets the same order from a function on each connection.

Revision ID: 7c45828bb009
Revises: 121e23cad251
Create Date: 2026-12-03 14:45:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '7c45828bb009'
down_revision = '121e23cad251'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        # Needs a PostgreSQL built with ICU (Debian's and the official images are).
        op.execute('CREATE COLLATION IF NOT EXISTS vi (provider = icu, locale = \'vi\')')


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP COLLATION IF EXISTS vi")
