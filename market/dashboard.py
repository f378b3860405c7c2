"""What the digitisation pages, downloads, API and monthly report show, gathered in one place
from the figures (stats.py), the visits and the Chợ 4.0 verdicts (cho40.py): one function per
page, and each table of a page as plain rows, so a download holds exactly what the page shows."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from accounts.models import User
from accounts.permissions import (
    ADMINISTER,
    SEE_DIGITISATION,
    market_scope,
    province_scope,
    ward_scope,
)
from domain_errors import N_, Message, N_plural, NotFound
from market.cho40 import MarketVerdict, fee_collections, market_verdicts, rule_in_force
from market.indicators import (
    CASHLESS_FEES,
    MORE_CASHLESS_VENDORS,
    MORE_LISTED_PRODUCTS,
    MORE_VERIFIED_VENDORS,
    Counts,
    Shortfall,
    Unit,
    VisitCounts,
    as_percent,
    change_in_points,
)
from market.models import Cho40Rule, Market, MarketFeeCollection, Province, Ward
from market.stats import (
    Area,
    Breakdown,
    MonthFigure,
    area_unit,
    breakdown,
    country_unit,
    last_months,
    monthly_series,
)
from periods import month_last_day
from schema_fields import MAX_ID
from textnorm import vietnamese_sort_key
from vendors.models import PaymentMethod, Vendor
from vendors.status import is_active_on, is_cashless_on, method_in_use_on
from vendors.visits import (
    DEFAULT_WINDOW_DAYS,
    DueVisit,
    due_for_visit,
    last_visits,
    visit_counts,
)

SERIES_MONTHS = 12


@dataclass
class Dashboard:
    """One unit's page on one day."""

    day: dt.date
    area: Area
    unit: Unit
    series: list[MonthFigure]
    breakdown: Breakdown
    verdicts: list[MarketVerdict]
    visits: VisitCounts
    due: list[DueVisit]
    due_total: int
    rule: Cho40Rule | None = None
    province_code: str | None = None
    vendors: list[VendorStatus] = field(default_factory=list)
    fees: list[MarketFeeCollection] = field(default_factory=list)
    market: Market | None = None
    visit_days: int = DEFAULT_WINDOW_DAYS  # the window of `visits` and `due`
    located_markets: list[Market] = field(default_factory=list)  # those with coordinates

    @property
    def markets_ranked(self) -> list[MarketVerdict]:
        """Markets by share, the highest first; those without active vendors last."""
        return sorted(self.verdicts, key=lambda v: (
            v.counts.share is None, -(v.counts.share or 0), -v.counts.active,
            vietnamese_sort_key(v.name)))

    @property
    def qualifying(self) -> list[MarketVerdict]:
        return [v for v in self.verdicts if v.verdict.qualifies]


@dataclass(frozen=True)
class VendorStatus:
    vendor_id: int
    name: str
    kind: str
    stall_code: str | None
    active: bool
    cashless: bool
    methods: tuple[str, ...]  # kinds in use: "bank_account", "ewallet:momo", "card_terminal"
    last_visit: dt.date | None
    last_used: str | None


def _dashboard(session: Session, day: dt.date, area: Area, unit: Unit,
               province_code: str, visit_days: int) -> Dashboard:
    first, last = last_months(day, SERIES_MONTHS)
    due, due_total = due_for_visit(session, day, area, visit_days)
    return Dashboard(
        day=day, area=area, unit=unit,
        series=monthly_series(session, area, first, last, until=day),
        breakdown=breakdown(session, day, area), verdicts=market_verdicts(session, day, area),
        visits=visit_counts(session, day, area, visit_days), due=due, due_total=due_total,
        visit_days=visit_days,
        rule=rule_in_force(session, province_code, day), province_code=province_code,
        located_markets=list(session.scalars(select(Market).where(
            area.market_clause(), Market.latitude.is_not(None),
            Market.longitude.is_not(None)))))


def province_dashboard(session: Session, province_code: str, day: dt.date,
                       visit_days: int = DEFAULT_WINDOW_DAYS) -> Dashboard | None:
    area = Area(province_code=province_code)
    unit = area_unit(session, day, area)
    return (None if unit is None
            else _dashboard(session, day, area, unit, province_code, visit_days))


def ward_dashboard(session: Session, ward_code: str, day: dt.date,
                   visit_days: int = DEFAULT_WINDOW_DAYS) -> Dashboard | None:
    area = Area(ward_code=ward_code)
    unit = area_unit(session, day, area)
    if unit is None:
        return None
    province_code = session.scalar(select(Ward.province_code).where(Ward.code == ward_code))
    return _dashboard(session, day, area, unit, province_code, visit_days)


def market_dashboard(session: Session, market_id: int, day: dt.date,
                     visit_days: int = DEFAULT_WINDOW_DAYS) -> Dashboard | None:
    market = session.get(Market, market_id)
    if market is None:
        return None
    area = Area(market_id=market_id)
    dashboard = _dashboard(session, day, area, area_unit(session, day, area),
                           market.ward.province_code, visit_days)
    dashboard.market = market
    dashboard.vendors = market_vendors(session, market_id, day)
    dashboard.fees = fee_collections(session, market_id)
    return dashboard


def country_dashboard(session: Session, day: dt.date) -> Unit:
    return country_unit(session, day)


def market_vendors(session: Session, market_id: int, day: dt.date) -> list[VendorStatus]:
    """The market's vendors that were active on `day` or registered by then, with their status
    that day, the Vietnamese way by name."""
    vendors = list(session.scalars(
        select(Vendor).where(Vendor.market_id == market_id)
        .options(selectinload(Vendor.status_periods), selectinload(Vendor.payment_methods),
                 selectinload(Vendor.stall))))
    vendors = [v for v in vendors if v.status_periods and v.status_periods[0].joined_on <= day]
    visits = last_visits(session, [v.id for v in vendors], day)
    rows = []
    for vendor in vendors:
        methods = tuple(sorted({_method_key(m) for m in vendor.payment_methods
                                if method_in_use_on(m, day)}))
        last_visit, used = visits.get(vendor.id, (None, None))
        rows.append(VendorStatus(
            vendor.id, vendor.name, vendor.kind.value,
            vendor.stall.code if vendor.stall else None, is_active_on(vendor, day),
            is_cashless_on(vendor, day), methods, last_visit, used.value if used else None))
    return sorted(rows, key=lambda row: (not row.active, vietnamese_sort_key(row.name)))


def _method_key(method: PaymentMethod) -> str:
    if method.wallet_provider is not None:
        return f"{method.kind.value}:{method.wallet_provider.value}"
    return method.kind.value


# --- Month by month, for the report ---------------------------------------------------------


@dataclass
class MonthlyReport:
    province_code: str
    province_name: str
    year: int
    month: int
    dashboard: Dashboard
    previous: Counts
    previous_units: dict[str, Counts]
    previous_qualifying: set[int]

    @property
    def change(self) -> float | None:
        return change_in_points(self.previous, self.dashboard.unit.counts)

    @property
    def newly_qualifying(self) -> list[MarketVerdict]:
        return [v for v in self.dashboard.qualifying if v.market_id not in self.previous_qualifying]

    @property
    def no_longer_qualifying(self) -> list[MarketVerdict]:
        still = {v.market_id for v in self.dashboard.qualifying}
        return [v for v in self.dashboard.verdicts
                if v.market_id in self.previous_qualifying and v.market_id not in still]


def monthly_report(session: Session, province_code: str, year: int,
                   month: int) -> MonthlyReport | None:
    """The province on the last day of the month, and the month before for the changes."""
    day = month_last_day(year, month)
    dashboard = province_dashboard(session, province_code, day)
    if dashboard is None:
        return None
    before_year, before_month = (year - 1, 12) if month == 1 else (year, month - 1)
    before_day = month_last_day(before_year, before_month)
    area = Area(province_code=province_code)
    before_unit = area_unit(session, before_day, area)
    return MonthlyReport(
        province_code, dashboard.unit.name, year, month, dashboard,
        before_unit.counts,
        {ward.code: ward.counts for ward in before_unit.children},
        {v.market_id for v in market_verdicts(session, before_day, area) if v.verdict.qualifies})


# --- Tables, as the pages show them and the downloads write them ----------------------------


@dataclass(frozen=True)
class Table:
    name: str
    title: Message
    header: tuple[Message, ...]
    rows: list[tuple]


def _percent(counts: Counts) -> float | None:
    return as_percent(counts.share)


H_NAME, H_ACTIVE, H_CASHLESS, H_SHARE = (
    N_("Tên"), N_("Đang hoạt động"), N_("Nhận thanh toán không dùng tiền mặt"), N_("Tỉ lệ (%)"))


def tables(dashboard: Dashboard | Unit) -> dict[str, Table]:
    """Every table of a page by name (the name in its download's address)."""
    if isinstance(dashboard, Unit):  # the country page: its provinces
        return {"units": _units_table(dashboard)}
    result = {}
    if dashboard.area.level != "market":
        result["units"] = _units_table(dashboard.unit)
    result["series"] = Table("series", N_("Tỉ lệ theo tháng (ngày cuối tháng)"),
                             (N_("Tháng"), N_("Ngày"), H_ACTIVE, H_CASHLESS, H_SHARE),
                             [(f.label, f.day.isoformat(), f.counts.active, f.counts.cashless,
                               _percent(f.counts)) for f in dashboard.series])
    if dashboard.verdicts and dashboard.area.level != "market":
        result["markets"] = Table(
            "markets", N_("Xếp hạng chợ theo tỉ lệ"),
            (N_("Hạng"), N_("Chợ"), N_("Xã/phường"), H_ACTIVE, H_CASHLESS, H_SHARE),
            [(rank, v.name, v.ward_name, v.counts.active, v.counts.cashless, _percent(v.counts))
             for rank, v in enumerate(dashboard.markets_ranked, 1)])
    result["cho40"] = Table(
        "cho40", N_("Chợ 4.0"),
        (N_("Chợ"), N_("Đạt Chợ 4.0"), N_("Phiên bản tiêu chí (hiệu lực từ)"), H_SHARE,
         N_("Đã xác minh có dùng (%)"), N_("Thu phí không dùng tiền mặt"),
         N_("Sản phẩm trên sàn TMĐT"), N_("Còn thiếu")),
        [(v.name, v.verdict.qualifies,
          v.rule.effective_from.isoformat() if v.rule else None, _percent(v.counts),
          as_percent(v.facts.visits.verified_share), v.facts.fees_cashless,
          v.facts.listed_products,
          [shortfall_message(s) for s in v.verdict.shortfalls])
         for v in dashboard.verdicts])
    result["due"] = Table(
        "due", N_("Tiểu thương cần kiểm tra lại"),
        (N_("Số"), N_("Tên"), N_("Chợ"), N_("Quầy"), N_("Lần kiểm tra gần nhất")),
        [(d.vendor_id, d.name, d.market_name, d.stall_code,
          d.last_visit.isoformat() if d.last_visit else None) for d in dashboard.due])
    if dashboard.area.level == "market":
        result["vendors"] = Table(
            "vendors", N_("Tiểu thương của chợ"),
            (N_("Số"), N_("Tên"), N_("Quầy"), N_("Đang hoạt động"),
             N_("Nhận thanh toán không dùng tiền mặt"), N_("Lần kiểm tra gần nhất")),
            [(v.vendor_id, v.name, v.stall_code, v.active, v.cashless,
              v.last_visit.isoformat() if v.last_visit else None) for v in dashboard.vendors])
    return result


def _units_table(unit: Unit) -> Table:
    return Table("units", N_("Theo đơn vị"), (H_NAME, N_("Mã"), H_ACTIVE, H_CASHLESS, H_SHARE),
                 [(child.name, child.code, child.counts.active, child.counts.cashless,
                   _percent(child.counts)) for child in unit.children])


def shortfall_message(shortfall: Shortfall) -> Message:
    """The sentence saying what a market lacks: "cần thêm 5 tiểu thương nhận thanh toán..."."""
    count = shortfall.missing
    if shortfall.kind == MORE_CASHLESS_VENDORS:
        return N_plural("cần thêm %(count)s tiểu thương nhận thanh toán không dùng tiền mặt",
                        "cần thêm %(count)s tiểu thương nhận thanh toán không dùng tiền mặt",
                        count=count)
    if shortfall.kind == MORE_VERIFIED_VENDORS:
        return N_plural("cần xác minh thêm %(count)s tiểu thương có dùng mã QR",
                        "cần xác minh thêm %(count)s tiểu thương có dùng mã QR", count=count)
    if shortfall.kind == MORE_LISTED_PRODUCTS:
        return N_plural("cần thêm %(count)s sản phẩm trên sàn thương mại điện tử",
                        "cần thêm %(count)s sản phẩm trên sàn thương mại điện tử", count=count)
    if shortfall.kind == CASHLESS_FEES:
        return N_("chợ chưa thu phí không dùng tiền mặt")
    return N_("chợ chưa có tiểu thương đang hoạt động")


# --- Which page, for whom ---------------------------------------------------------------------


def check_visible(session: Session, actor: User, level: str, code: str) -> None:
    """NotFound (404) for a unit outside the user's area, as for one that does not exist;
    Forbidden for a role that sees no figures. The country is the administrators'."""
    SEE_DIGITISATION.check(actor)
    if level == "country":
        ADMINISTER.check(actor)
        return
    if level == "province":
        stmt = select(Province.code).where(Province.code == code, province_scope(actor))
    elif level == "ward":
        stmt = select(Ward.code).where(Ward.code == code, ward_scope(actor))
    elif level == "market" and code.isdigit() and int(code) <= MAX_ID:
        stmt = select(Market.id).where(Market.id == int(code), market_scope(actor))
    else:
        stmt = None
    if stmt is None or session.scalar(stmt) is None:
        raise NotFound(N_("Không tìm thấy đơn vị này trong địa bàn của bạn."))


def dashboard_for(session: Session, actor: User, level: str, code: str, day: dt.date,
                  visit_days: int = DEFAULT_WINDOW_DAYS) -> Dashboard | Unit:
    """The page of the unit on `day`, for a user who may see it (check_visible)."""
    check_visible(session, actor, level, code)
    if level == "country":
        return country_dashboard(session, day)
    build = {"province": province_dashboard, "ward": ward_dashboard,
             "market": lambda s, c, d, n: market_dashboard(s, int(c), d, n)}[level]
    page = build(session, code, day, visit_days)
    if page is None:
        raise NotFound(N_("Không tìm thấy đơn vị này trong địa bàn của bạn."))
    return page


def resolve_area(session: Session, province_code: str | None = None,
                 ward_code: str | None = None, market_id: int | None = None) -> Area:
    """The narrowest unit named, checked to lie in the wider ones named with it (a commune of
    another province is not found): Area(...) with only that unit set."""
    if market_id is not None:
        row = session.execute(select(Market.ward_code, Ward.province_code)
                              .join(Ward, Ward.code == Market.ward_code)
                              .where(Market.id == market_id)).first()
        if row is None or (ward_code or row[0]) != row[0] or (province_code or row[1]) != row[1]:
            raise NotFound(N_("Không tìm thấy chợ này trong đơn vị đã chọn."))
        return Area(market_id=market_id)
    if ward_code is not None:
        province_of = session.scalar(select(Ward.province_code).where(Ward.code == ward_code))
        if province_of is None or (province_code or province_of) != province_of:
            raise NotFound(N_("Không tìm thấy xã/phường này trong tỉnh/thành đã chọn."))
        return Area(ward_code=ward_code)
    if province_code is not None:
        if session.get(Province, province_code) is None:
            raise NotFound(N_("Không tìm thấy tỉnh/thành này."))
        return Area(province_code=province_code)
    return Area()


def area_code(area: Area) -> str:
    return {"market": str(area.market_id), "ward": area.ward_code,
            "province": area.province_code}.get(area.level, "VN")


def home_unit(actor: User) -> tuple[str, str]:
    """(level, code) of the page a user's figures open on: their narrowest area."""
    SEE_DIGITISATION.check(actor)
    if actor.market_id is not None:
        return "market", str(actor.market_id)
    if actor.ward_code is not None:
        return "ward", actor.ward_code
    if actor.province_code is not None:
        return "province", actor.province_code
    return "country", "VN"
