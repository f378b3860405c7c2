"""Writing and reading the audit log. Services call `record` in the transaction of the change
itself, so a change and its entry are kept or lost together; writes made with SQLAlchemy Core
(the registration) log with `insert_entries`, also Core, in the same transaction."""
from __future__ import annotations

import datetime as dt
import enum
import functools
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import bindparam, func, insert, or_, select
from sqlalchemy.orm import Session, selectinload

from accounts.models import User
from accounts.permissions import READ_AUDIT, audit_scope
from audit.models import AuditEntry
from db import utcnow
from formats import READERS_TIMEZONE
from market.models import Market, Ward
from vendors.models import Vendor

# The kinds of thing the log names (AuditEntry.entity), in the order the audit page lists them.
ENTITY_KINDS = ("vendor", "payment_method", "vendor_import", "market", "stall", "product",
                "listing", "cho40_rule", "fee_collection", "account", "api_token")
PAGE_SIZE = 50
# A page number past any list: larger offsets overflow SQLite's integers.
MAX_PAGE = 100_000


# JSON values already (exactly these types: an enum may be a str too).
_KEPT_AS_THEY_ARE = frozenset({str, int, bool, float})


def snapshot(record, fields: tuple[str, ...]) -> dict:
    """The named attributes of a record as JSON values (dates as ISO text, enums as values)."""
    return {name: plain(getattr(record, name)) for name in fields}


def plain(value):
    """A value as the log keeps it in JSON."""
    if value is None or type(value) in _KEPT_AS_THEY_ARE:
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    return value


def ward_province(session: Session, ward_code: str | None) -> str | None:
    """The province of a commune, as entries about things in it are read."""
    if ward_code is None:
        return None
    return session.scalar(select(Ward.province_code).where(Ward.code == ward_code))


def vendor_province(session: Session, vendor_id: int) -> str | None:
    """The province a vendor trades in: its market's, or (a cooperative without a market) its
    commune's."""
    return session.scalar(
        select(Ward.province_code).select_from(Vendor)
        .outerjoin(Market, Market.id == Vendor.market_id)
        .join(Ward, Ward.code == func.coalesce(Market.ward_code, Vendor.ward_code))
        .where(Vendor.id == vendor_id))


def record(session: Session, user_id: int | None, action: str, entity: str, entity_id: int, *,
           vendor_id: int | None = None, province_code: str | None = None,
           before: dict | None = None, after: dict | None = None) -> AuditEntry | None:
    """Log a change; with both `before` and `after` only the fields that differ are kept, and a
    change that changed nothing is not logged. An entry about a vendor is read in the vendor's
    province unless `province_code` says another."""
    if before is not None and after is not None:
        changed = [name for name in after if before.get(name) != after.get(name)]
        if not changed:
            return None
        before = {name: before.get(name) for name in changed}
        after = {name: after[name] for name in changed}
    if province_code is None and vendor_id is not None:
        province_code = vendor_province(session, vendor_id)
    entry = AuditEntry(user_id=user_id, action=action, entity=entity, entity_id=entity_id,
                       vendor_id=vendor_id, province_code=province_code,
                       before=plain(before), after=plain(after))
    session.add(entry)
    session.flush()
    return entry


def insert_entries(session: Session, ward_code: str, entries: list[dict]) -> None:
    """Log changes written with SQLAlchemy Core, with one INSERT of many rows (Core too), in the
    session's transaction. Each entry has user_id, action, entity, entity_id and, as needed,
    vendor_id, before and after (JSON values); all are read in the province of `ward_code`,
    which the statement looks up itself (no round trip of its own)."""
    if not entries:
        return
    now = utcnow()
    rows = [{"at": now, "user_id": entry["user_id"], "action": entry["action"],
             "vendor_id": entry.get("vendor_id"), "entity": entry["entity"],
             "entity_id": entry["entity_id"], "before": entry.get("before"),
             "after": entry.get("after"), "entry_ward": ward_code} for entry in entries]
    session.connection().execute(_insert_entries_statement(), rows)


@functools.cache
def _insert_entries_statement():
    # Built once: building a statement and its cache key costs as much as running it.
    province = (select(Ward.province_code).where(Ward.code == bindparam("entry_ward"))
                .scalar_subquery())
    return insert(AuditEntry.__table__).values(province_code=province)


# --- Reading ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditPage:
    items: list[AuditEntry]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def audit_entries(session: Session, actor: User, *, entity: str | None = None,
                  entity_id: int | None = None, user: str | None = None,
                  since: dt.date | None = None, until: dt.date | None = None, page: int = 1,
                  page_size: int = PAGE_SIZE) -> AuditPage:
    """The entries the actor may read (accounts.permissions.audit_scope), the latest first: of
    one kind of thing (and one of them), by the people whose username or name holds `user`,
    made from `since` to `until` (days on Vietnam's clock, both included)."""
    READ_AUDIT.check(actor)
    where = [audit_scope(actor)]
    if entity:
        where.append(AuditEntry.entity == entity)
    if entity_id is not None:
        where.append(AuditEntry.entity_id == entity_id)
    if user:
        pattern = "%" + user.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where.append(AuditEntry.user_id.in_(select(User.id).where(or_(
            User.username.ilike(pattern, escape="\\"),
            User.full_name.ilike(pattern, escape="\\")))))
    if since is not None:
        where.append(AuditEntry.at >= _start_of(since))
    if until is not None:
        where.append(AuditEntry.at < _start_of(until + dt.timedelta(days=1)))
    total = session.scalar(select(func.count(AuditEntry.id)).where(*where))
    page = min(max(page, 1), MAX_PAGE)
    items = session.scalars(
        select(AuditEntry).options(selectinload(AuditEntry.user)).where(*where)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .offset((page - 1) * page_size).limit(page_size))
    return AuditPage(list(items), total or 0, page, page_size)


def _start_of(day: dt.date) -> dt.datetime:
    """The first moment of a day on Vietnam's clock, in UTC as the log stores it."""
    return dt.datetime.combine(day, dt.time(), READERS_TIMEZONE).astimezone(dt.UTC)


def vendor_history(session: Session, vendor_id: int, *, limit: int = 50) -> list[AuditEntry]:
    """The changes to a vendor, the latest first (the caller has checked the vendor's scope)."""
    return list(session.scalars(
        select(AuditEntry).where(AuditEntry.vendor_id == vendor_id)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)))
