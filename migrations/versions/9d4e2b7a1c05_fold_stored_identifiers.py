"""fold stored identifiers: phones, citizen IDs, tax codes and account numbers kept in full-width
or other scripts' digits before textnorm.identifier_text folded them, to ASCII digits (so duplicate
detection finds them); traders' and account holders' names without invisible bidirectional or
zero-width controls.
Data only; a value that would not fold to what its field now accepts is left as it is.

Revision ID: 9d4e2b7a1c05
Revises: a7d3c2e19b40
Create Date: 2026-12-03 17:00:00

"""
import re
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = '9d4e2b7a1c05'
down_revision = 'a7d3c2e19b40'
branch_labels = None
depends_on = None

# As textnorm.INVISIBLE_CONTROLS, copied: a migration must not change when the app's code does.
_INVISIBLE = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\u200b-\u200d\u2060\ufeff]")
_SEPARATORS = re.compile(r"[\s.\-()]+")
_IDENTIFIERS = {
    # table, column: the pattern the folded value must match, and the column's length
    ("vendors", "phone"): (re.compile(r"0[1-9][0-9]{8,9}"), 15),
    ("vendors", "citizen_id"): (re.compile(r"[0-9]{12}"), 12),
    ("vendors", "tax_code"): (re.compile(r"[0-9]{10}(-[0-9]{3})?"), 14),
    ("payment_methods", "account_number"): (re.compile(r"[0-9]{1,19}"), 19),
}
# Not market names: they are unique, and one may differ from another only by a control.
_NAMES = (("vendors", "name"), ("payment_methods", "account_holder"))


def _folded_identifier(value: str, column: str) -> str:
    text = unicodedata.normalize("NFKC", _INVISIBLE.sub("", value))
    text = "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() and not ch.isascii() else ch
                   for ch in text)
    return re.sub(r"\s+", "", text) if column == "tax_code" else _SEPARATORS.sub("", text)


def _non_ascii(column):
    # Every value with a character past ASCII: full-width and Arabic-Indic digits, controls.
    return sa.func.length(column) != sa.func.octet_length(column) if op.get_bind().dialect.name \
        == "postgresql" else sa.literal(True)


def upgrade():
    bind = op.get_bind()
    for (table_name, column_name), (pattern, length) in _IDENTIFIERS.items():
        table = sa.table(table_name, sa.column("id"), sa.column(column_name))
        column = table.c[column_name]
        rows = bind.execute(sa.select(table.c.id, column).where(
            column.is_not(None), _non_ascii(column))).all()
        for row_id, value in rows:
            if value.isascii():
                continue
            folded = _folded_identifier(value, column_name)
            if pattern.fullmatch(folded) and len(folded) <= length:
                bind.execute(table.update().where(table.c.id == row_id)
                             .values({column_name: folded}))
    for table_name, column_name in _NAMES:
        table = sa.table(table_name, sa.column("id"), sa.column(column_name))
        column = table.c[column_name]
        rows = bind.execute(sa.select(table.c.id, column).where(
            column.is_not(None), _non_ascii(column))).all()
        for row_id, value in rows:
            if not _INVISIBLE.search(value):
                continue
            cleaned = re.sub(r"\s+", " ", _INVISIBLE.sub("", value)).strip()
            if cleaned:
                bind.execute(table.update().where(table.c.id == row_id)
                             .values({column_name: cleaned}))


def downgrade():
    pass  # the values as typed are not kept; the folded ones are what they meant
