"""The digitisation figures counted in SQL, against answers computed another way: a generated
population whose status on each day is simulated day by day in Python (sets of days, not
periods), checked at every level and on many dates, on SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

import pytest

from market.indicators import Counts
from market.stats import Area, area_counts, area_unit, breakdown, monthly_series, province_counts
from tests.factories import DAI_TU, TAN_CUONG, THAI_NGUYEN, make_bank_account, make_market
from vendors.models import (
    PaymentMethod,
    PaymentMethodKind,
    Vendor,
    VendorKind,
    VendorStatusPeriod,
    WalletProvider,
)

PHU_THO = "25"
TAN_HOA, HOA_BINH = "04792", "04795"  # two wards of Phú Thọ
START, END = dt.date(2025, 1, 1), dt.date(2026, 6, 30)


def _days(first: dt.date, last_excluded: dt.date | None) -> set[dt.date]:
    end = last_excluded or END + dt.timedelta(days=1)
    return {first + dt.timedelta(days=n) for n in range((end - first).days)}


class Population:
    """Vendors written to the database, and beside each the set of days it was active and the
    set of days it had a payment method in use: the oracle."""

    def __init__(self, session, seed: int = 7):
        self.rng = random.Random(seed)
        self.session = session
        self.active_days: dict[int, set[dt.date]] = {}
        self.cashless_days: dict[int, set[dt.date]] = {}
        self.group: dict[int, tuple[int | None, str]] = {}  # vendor -> (market, ward)
        self.markets = {
            ward: [make_market(session, ward_code=ward, name=f"Chợ {ward}-{n}")
                   for n in range(2)]
            for ward in (DAI_TU, TAN_CUONG, TAN_HOA, HOA_BINH)
        }

    def date(self) -> dt.date:
        return START + dt.timedelta(days=self.rng.randrange((END - START).days))

    def add_vendor(self, ward: str, market, kind=VendorKind.TRADER) -> Vendor:
        vendor = Vendor(kind=kind, name=f"Người bán {len(self.group)}", search_key="x",
                        market_id=market.id if market else None,
                        ward_code=None if market else ward)
        self.session.add(vendor)
        self.session.flush()
        self.group[vendor.id] = (market.id if market else None, ward)
        # One to three membership periods, each beginning after the last ended: leaving mid-month
        # and coming back.
        days, cursor = set(), START
        for _ in range(self.rng.randint(1, 3)):
            joined = cursor + dt.timedelta(days=self.rng.randrange(0, 200))
            if joined > END:
                break
            left = joined + dt.timedelta(days=self.rng.randrange(1, 300))
            if left > END or self.rng.random() < 0.3:
                left = None
            self.session.add(VendorStatusPeriod(vendor_id=vendor.id, joined_on=joined,
                                                left_on=left))
            days |= _days(joined, left)
            if left is None:
                break
            cursor = left + dt.timedelta(days=self.rng.randrange(0, 60))
        self.active_days[vendor.id] = days
        # Zero to three payment methods, overlapping at will (a bank account and a wallet).
        in_use = set()
        for _ in range(self.rng.choice([0, 1, 1, 2, 3])):
            started = self.date()
            stopped = None if self.rng.random() < 0.5 else started + dt.timedelta(
                days=self.rng.randrange(0, 200))
            if stopped is not None and stopped > END:
                stopped = None
            kind = self.rng.choice(list(PaymentMethodKind))
            self.session.add(PaymentMethod(
                vendor_id=vendor.id, kind=kind, started_on=started, stopped_on=stopped,
                bank_bin="970436" if kind is PaymentMethodKind.BANK_ACCOUNT else None,
                account_number="0011001234567" if kind is PaymentMethodKind.BANK_ACCOUNT else None,
                account_holder="NGUOI BAN" if kind is PaymentMethodKind.BANK_ACCOUNT else None,
                wallet_provider=WalletProvider.MOMO if kind is PaymentMethodKind.EWALLET else None,
                terminal_provider="VNPAY" if kind is PaymentMethodKind.CARD_TERMINAL else None))
            in_use |= _days(started, stopped)
        self.cashless_days[vendor.id] = in_use
        return vendor

    def expected(self, day: dt.date, keep) -> Counts:
        active = [v for v, days in self.active_days.items() if day in days and keep(*self.group[v])]
        return Counts(len(active), sum(1 for v in active if day in self.cashless_days[v]))


@pytest.fixture
def population(session):
    population = Population(session)
    for ward, markets in population.markets.items():
        for market in markets:
            for _ in range(12):
                population.add_vendor(ward, market)
        for _ in range(3):  # cooperatives without a market, counted in their commune
            population.add_vendor(ward, None, VendorKind.COOPERATIVE)
    session.commit()
    return population


PROVINCE_OF = {DAI_TU: THAI_NGUYEN, TAN_CUONG: THAI_NGUYEN, TAN_HOA: PHU_THO, HOA_BINH: PHU_THO}
# Edges of months and periods, and days in between.
DAYS = [dt.date(2025, 1, 1), dt.date(2025, 3, 31), dt.date(2025, 6, 15), dt.date(2025, 12, 31),
        dt.date(2026, 2, 28), dt.date(2026, 6, 30)]


@pytest.mark.parametrize("day", DAYS)
def test_every_level_matches_the_day_by_day_simulation(session, population, day):
    for province in (THAI_NGUYEN, PHU_THO):
        unit = area_unit(session, day, Area(province_code=province))
        assert unit.counts == population.expected(day, lambda m, w, p=province: PROVINCE_OF[w] == p)
        assert {ward.code for ward in unit.children} == {
            w for w, p in PROVINCE_OF.items() if p == province}
        for ward in unit.children:
            assert ward.counts == population.expected(day, lambda m, w, c=ward.code: w == c)
            assert len(ward.children) == 2
            for market in ward.children:
                assert market.counts == population.expected(
                    day, lambda m, w, i=int(market.code): m == i)
            # The cooperatives without a market count in the commune, in no market.
            assert ward.counts.active >= sum(m.counts.active for m in ward.children)
    country = province_counts(session, day)
    assert (country.get(THAI_NGUYEN, Counts()) + country.get(PHU_THO, Counts())
            == population.expected(day, lambda m, w: True))
    assert area_counts(session, day) == population.expected(day, lambda m, w: True)


def test_a_monthly_series_reads_the_last_day_of_each_month(session, population):
    series = monthly_series(session, Area(province_code=PHU_THO), (2025, 11), (2026, 3))
    assert [(f.year, f.month, f.day) for f in series] == [
        (2025, 11, dt.date(2025, 11, 30)), (2025, 12, dt.date(2025, 12, 31)),
        (2026, 1, dt.date(2026, 1, 31)), (2026, 2, dt.date(2026, 2, 28)),
        (2026, 3, dt.date(2026, 3, 31))]
    for figure in series:
        assert figure.counts == population.expected(
            figure.day, lambda m, w: PROVINCE_OF[w] == PHU_THO)


def test_a_share_is_counts_summed_never_an_average_of_shares(session):
    big, small = make_market(session, ward_code=DAI_TU), make_market(session, ward_code=DAI_TU)
    day = dt.date(2025, 5, 1)
    for n in range(10):
        vendor = _vendor(session, big)
        if n == 0:
            make_bank_account(session, vendor)
    vendor = _vendor(session, small)
    make_bank_account(session, vendor)
    unit = area_unit(session, day, Area(ward_code=DAI_TU))
    assert unit.counts == Counts(11, 2)  # 2/11, not (10 % + 100 %) / 2
    assert float(unit.counts.share) == pytest.approx(2 / 11)


def _vendor(session, market, **kw):
    from tests.factories import make_vendor
    return make_vendor(session, market, joined_on=kw.pop("joined_on", dt.date(2024, 1, 1)), **kw)


def test_two_methods_count_once_and_a_vendor_who_came_back_counts_again(session):
    market = make_market(session, ward_code=TAN_CUONG)
    vendor = _vendor(session, market, joined_on=dt.date(2025, 1, 1), left_on=dt.date(2025, 6, 15))
    session.add(VendorStatusPeriod(vendor_id=vendor.id, joined_on=dt.date(2025, 9, 1)))
    make_bank_account(session, vendor, started_on=dt.date(2025, 2, 1))
    session.add(PaymentMethod(vendor_id=vendor.id, kind=PaymentMethodKind.EWALLET,
                              wallet_provider=WalletProvider.ZALOPAY,
                              started_on=dt.date(2025, 3, 1)))
    session.flush()
    area = Area(market_id=market.id)

    def on(day):
        return area_counts(session, dt.date.fromisoformat(day), area)

    assert on("2025-01-31") == Counts(1, 0)
    assert on("2025-03-31") == Counts(1, 1)  # two methods in use, one cashless vendor
    assert on("2025-06-14") == Counts(1, 1)
    assert on("2025-06-15") == Counts(0, 0)  # left that day
    assert on("2025-08-31") == Counts(0, 0)
    assert on("2025-09-01") == Counts(1, 1)  # came back
    by = breakdown(session, dt.date(2025, 3, 31), area)
    assert by.by_payment_kind == {"bank_account": 1, "ewallet:zalopay": 1}
    assert by.by_vendor_kind["trader"] == Counts(1, 1)
    assert by.by_market_class["II"] == Counts(1, 1)


def test_leaving_in_june_does_not_change_march(session):
    market = make_market(session, ward_code=TAN_CUONG)
    vendor = _vendor(session, market, joined_on=dt.date(2025, 1, 1))
    make_bank_account(session, vendor, started_on=dt.date(2025, 1, 1))
    march = dt.date(2025, 3, 31)
    before = area_counts(session, march, Area(province_code=THAI_NGUYEN))
    period = session.query(VendorStatusPeriod).filter_by(vendor_id=vendor.id).one()
    period.left_on = dt.date(2025, 6, 10)
    session.flush()
    assert area_counts(session, march, Area(province_code=THAI_NGUYEN)) == before
    assert area_counts(session, dt.date(2025, 6, 30), Area(market_id=market.id)) == Counts(0, 0)


def test_breakdowns_add_up_to_the_area(session, population):
    day = dt.date(2026, 2, 28)
    area = Area(province_code=THAI_NGUYEN)
    by = breakdown(session, day, area)
    whole = area_counts(session, day, area)
    assert sum(by.by_vendor_kind.values(), Counts()) == whole
    assert sum(by.by_market_class.values(), Counts()) == whole
    assert by.by_market_class["none"] == population.expected(
        day, lambda m, w: m is None and PROVINCE_OF[w] == THAI_NGUYEN)
    # A vendor with a bank account and a wallet counts under both kinds: at least the cashless.
    assert sum(by.by_payment_kind.values()) >= whole.cashless


def test_an_unknown_unit_is_none(session):
    assert area_unit(session, dt.date(2025, 1, 1), Area(province_code="99")) is None
    assert area_unit(session, dt.date(2025, 1, 1), Area(market_id=10**6)) is None


def test_counts_by_ward_match_the_oracle_on_odd_days(session, population):
    rng = random.Random(3)
    for _ in range(5):
        day = START + dt.timedelta(days=rng.randrange((END - START).days))
        unit = area_unit(session, day, Area(ward_code=TAN_HOA))
        assert unit.counts == population.expected(day, lambda m, w: w == TAN_HOA)
        per_market = defaultdict(Counts)
        for market in unit.children:
            per_market[int(market.code)] = market.counts
        for market in population.markets[TAN_HOA]:
            assert per_market[market.id] == population.expected(
                day, lambda m, w, i=market.id: m == i)


def test_the_running_month_is_read_on_the_day_shown_not_its_future_last_day(session):
    market = make_market(session, ward_code=TAN_CUONG)
    vendor = _vendor(session, market, joined_on=dt.date(2026, 1, 1))
    make_bank_account(session, vendor, started_on=dt.date(2026, 3, 20))
    area = Area(market_id=market.id)
    series = monthly_series(session, area, (2026, 2), (2026, 4), until=dt.date(2026, 3, 10))
    assert [(f.day, f.counts) for f in series] == [
        (dt.date(2026, 2, 28), Counts(1, 0)), (dt.date(2026, 3, 10), Counts(1, 0))]


def test_overlapping_periods_and_methods_count_a_vendor_once_on_every_path(session):
    # Two membership periods covering the same days (entered twice, say) and two accounts.
    market = make_market(session, ward_code=TAN_CUONG)
    vendor = _vendor(session, market, joined_on=dt.date(2025, 1, 1), left_on=dt.date(2025, 6, 1))
    session.add(VendorStatusPeriod(vendor_id=vendor.id, joined_on=dt.date(2025, 3, 1)))
    make_bank_account(session, vendor, started_on=dt.date(2025, 2, 1))
    make_bank_account(session, vendor, started_on=dt.date(2025, 2, 1),
                      account_number="0011007777777")
    session.flush()
    area = Area(market_id=market.id)
    assert area_counts(session, dt.date(2025, 4, 30), area) == Counts(1, 1)
    assert province_counts(session, dt.date(2025, 4, 30))[THAI_NGUYEN].active >= 1
    series = monthly_series(session, area, (2025, 3), (2025, 5))
    assert [f.counts for f in series] == [Counts(1, 1)] * 3
    assert area_unit(session, dt.date(2025, 4, 30), Area(ward_code=TAN_CUONG)).counts == Counts(1, 1)
