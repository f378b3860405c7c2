"""Writing and reading the audit log. Services call `record` in the transaction of the change
itself, so a change and its entry are kept or lost together."""
from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.models import AuditEntry


def snapshot(record, fields: tuple[str, ...]) -> dict:
    """The named attributes of a record as JSON values (dates as ISO text, enums as values)."""
    return {name: _plain(getattr(record, name)) for name in fields}


def _plain(value):
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def record(session: Session, user_id: int | None, action: str, entity: str, entity_id: int, *,
           vendor_id: int | None = None, before: dict | None = None,
           after: dict | None = None) -> AuditEntry | None:
    """Log a change; with both `before` and `after` only the fields that differ are kept, and a
    change that changed nothing is not logged."""
    if before is not None and after is not None:
        changed = [name for name in after if before.get(name) != after.get(name)]
        if not changed:
            return None
        before = {name: before.get(name) for name in changed}
        after = {name: after[name] for name in changed}
    entry = AuditEntry(user_id=user_id, action=action, entity=entity, entity_id=entity_id,
                       vendor_id=vendor_id, before=before, after=after)
    session.add(entry)
    session.flush()
    return entry


def vendor_history(session: Session, vendor_id: int, *, limit: int = 50) -> list[AuditEntry]:
    """The changes to a vendor, the latest first (the caller has checked the vendor's scope)."""
    return list(session.scalars(
        select(AuditEntry).where(AuditEntry.vendor_id == vendor_id)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)))
