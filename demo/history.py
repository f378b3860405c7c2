"""Two years of the Chợ 4.0 programme before the demo's day: traders joining, leaving and coming
back, taking up cashless payment market by market as each data.MarketStory tells, agents'
verification visits, boards collecting fees cashless and cooperatives' products listed online.
Pure: plain rows out for service.py to insert, every choice drawn from the Random given."""
from __future__ import annotations

import datetime as dt
import math
import random
import re
from collections import Counter
from dataclasses import dataclass, field

from demo import data
from demo.generator import Generator
from textnorm import to_ascii
from vendors.models import PaymentMethodKind, VendorKind, VisitAnswer, WalletProvider

YEARS = 2
FIRST_JOIN = dt.date(2018, 1, 1)
FIRST_CASHLESS = dt.date(2020, 6, 1)

OLD_TIMERS = 0.55  # of the stalls' vendors, those already trading two years ago
LEAVE = 0.14  # vendors who leave during the two years
COME_BACK = 0.45  # of those who leave, those who come back a few months later
RESUME_CASHLESS = 0.8  # of those back after being cashless, those who take it up again
SECOND_METHOD = 0.3  # a wallet beside a bank account, or the other way round
SWITCH = 0.08  # a method stopped and another started the same day: a new bank, a wallet
GIVE_UP = 0.04  # the only method stopped: back to cash
VISITS_SINCE_DAYS = 425  # agents began verification visits some fourteen months ago
RECENT_DAYS = 30  # a visit this recent counts; older, the vendor is due for another


def history_start(today: dt.date) -> dt.date:
    """The day two years before `today` (28 February for a 29 February)."""
    try:
        return today.replace(year=today.year - YEARS)
    except ValueError:
        return today.replace(year=today.year - YEARS, day=28)


@dataclass(frozen=True)
class Trader:
    """A trader or household business already inserted, with what its history depends on."""

    vendor_id: int
    market_id: int
    kind: VendorKind
    holder: str  # the account holder's name, as a bank prints it
    market_class: str


@dataclass
class VendorHistory:
    periods: list[dict] = field(default_factory=list)
    methods: list[dict] = field(default_factory=list)
    visits: list[dict] = field(default_factory=list)


def traders_history(traders: list[Trader], stories: dict[int, data.MarketStory], gen: Generator,
                    rng: random.Random, today: dt.date,
                    visitor_of: dict[int, int | None]) -> VendorHistory:
    """Membership periods, payment methods and verification visits of `traders` over the two
    years before `today`. `stories` and `visitor_of` (the user recording a market's visits)
    are keyed by market id.

    A trader's readiness to go cashless (0 to 1: the lower, the sooner) is not drawn at random
    but taken in turn, in the order the market's traders joined, from a golden-ratio sequence:
    any run of them (those trading two years ago, those trading today) is then spread evenly
    over 0 to 1, so a market of ten traders follows its story as closely as one of sixty.
    Each trader's place in its market's round of visits is spread the same way."""
    lives = [_Life(trader, stories[trader.market_id], gen, rng, today,
                   visitor_of.get(trader.market_id)) for trader in traders]
    readiness = _evenly_spread(rng)
    for life in sorted(lives, key=lambda life: (life.periods[0][0], life.trader.vendor_id)):
        life.readiness = readiness(life.trader.market_id)
    visit_phase = _evenly_spread(rng)
    for life in lives:
        life.visit_phase = visit_phase(life.trader.market_id)
    history = VendorHistory()
    for life in lives:
        life.write(history)
    return history


_GOLDEN = (math.sqrt(5) - 1) / 2


def _evenly_spread(rng: random.Random):
    """A function giving, for each call with a key, the next value of that key's golden-ratio
    sequence (from a random start) in [0, 1): the first n values of it are never far from
    evenly spread, whatever n."""
    start: dict[int, float] = {}
    taken: Counter[int] = Counter()

    def next_value(key: int) -> float:
        start.setdefault(key, rng.random())
        taken[key] += 1
        return (start[key] + (taken[key] - 1) * _GOLDEN) % 1

    return next_value


class _Life:
    """One trader's two years: when it joined, left and came back, when it took up cashless
    payment and with what, and the agents' visits."""

    def __init__(self, trader: Trader, story: data.MarketStory, gen: Generator,
                 rng: random.Random, today: dt.date, visitor: int | None):
        self.trader, self.story = trader, story
        self.gen, self.rng, self.today, self.visitor = gen, rng, today, visitor
        self.start = history_start(today)
        self.periods = self._membership()
        # Set by traders_history once every trader's joining is known.
        self.readiness = self.visit_phase = 0.0

    def write(self, history: VendorHistory) -> None:
        periods = self.periods
        for (joined, left), reason in zip(periods, self._left_reasons(periods)):
            history.periods.append({"vendor_id": self.trader.vendor_id, "joined_on": joined,
                                    "left_on": left, "left_reason": reason})
        methods, stretches = self._payment_methods(periods)
        history.methods.extend(methods)
        history.visits.extend(self._visits(stretches))

    # --- Membership ---------------------------------------------------------------------

    def _membership(self) -> list[tuple[dt.date, dt.date | None]]:
        joined = self._join_day()
        earliest_leave = max(joined + dt.timedelta(days=60), self.start)
        latest_leave = self.today - dt.timedelta(days=20)
        if self.rng.random() >= LEAVE or earliest_leave >= latest_leave:
            return [(joined, None)]
        left = self._mid_month(_between(self.rng, earliest_leave, latest_leave), earliest_leave)
        if self.rng.random() < COME_BACK:
            back = left + dt.timedelta(days=self.rng.randint(30, 200))
            if back < self.today:
                return [(joined, left), (back, None)]
        return [(joined, left)]

    def _join_day(self) -> dt.date:
        if self.rng.random() < OLD_TIMERS:
            return _between(self.rng, FIRST_JOIN, self.start - dt.timedelta(days=1))
        # Newcomers over the two years, more of them early on: a density falling from 2 to 1.
        x = 2 - math.sqrt(4 - 3 * self.rng.random())
        span = (self.today - dt.timedelta(days=30) - self.start).days
        return self.start + dt.timedelta(days=round(x * max(0, span)))

    def _mid_month(self, day: dt.date, earliest: dt.date) -> dt.date:
        """People leave in the middle of a month as often as at its turn: a day from 8 to 22."""
        moved = day.replace(day=self.rng.randint(8, 22))
        return moved if earliest <= moved < self.today else day

    def _left_reasons(self, periods) -> list[str | None]:
        came_back = len(periods) > 1
        return [None if left is None else self.rng.choice(
                    data.LEFT_FOR_A_WHILE if came_back else data.LEFT_FOR_GOOD)
                for _, left in periods]

    # --- Payment methods ----------------------------------------------------------------

    def _adoption_day(self, joined: dt.date) -> dt.date | None:
        """The day the trader would take up cashless payment, were it trading: readiness under
        the share of two years ago, before then; under today's, when the market's share
        reached it (an S-shaped rise: the campaign gathers pace, then settles)."""
        then = self.story.cashless_then / 100
        # Some give up again (GIVE_UP): aim a little higher so that today's share is the story's.
        reach = max(then, min(0.98, self.story.cashless_now / 100 / (1 - GIVE_UP)))
        if self.readiness >= reach:
            return None
        if self.readiness < then:
            if joined < self.start:
                return _between(self.rng, max(joined, FIRST_CASHLESS),
                                self.start - dt.timedelta(days=1))
            return joined + dt.timedelta(days=self.rng.randint(0, 10))
        x = _inverse_rise((self.readiness - then) / (reach - then))
        on_curve = self.start + dt.timedelta(days=round(x * (self.today - self.start).days))
        return max(on_curve, joined + dt.timedelta(days=self.rng.randint(0, 20)))

    def _payment_methods(self, periods):
        """The methods over the membership periods, and the stretches of time (first day, end
        day or None) the trader accepted cashless payment."""
        adopted = self._adoption_day(periods[0][0])
        methods: list[dict] = []
        stretches: list[tuple[dt.date, dt.date | None]] = []
        primary = None
        for index, (joined, left) in enumerate(periods):
            if adopted is None:
                break
            if left is not None and adopted >= left:
                continue  # not yet cashless when it left: maybe after coming back
            begin = max(adopted, joined)
            if index > 0 and adopted < joined:
                if primary is not None and self.rng.random() >= RESUME_CASHLESS:
                    break
                begin = joined + dt.timedelta(days=self.rng.randint(0, 10))
            if begin >= self.today or (left is not None and begin >= left):
                continue
            primary = primary or self._new_method(begin)
            stretches.append((begin, self._span_methods(primary, begin, left, methods)))
        return methods, stretches

    def _span_methods(self, primary: dict, begin: dt.date, left: dt.date | None,
                      methods: list[dict]) -> dt.date | None:
        """The methods of one stretch of cashless trading, stopped on `left` (as leaving stops
        them in the app); returns the day cashless payment ended (`left`, or the day the
        trader went back to cash), None if it still runs."""
        last_day = (left or self.today) - dt.timedelta(days=1)
        change_day = begin + dt.timedelta(days=30)
        roll = self.rng.random()
        second = self.rng.random() < SECOND_METHOD
        if left is None and change_day < last_day and roll < SWITCH + GIVE_UP:
            day = _between(self.rng, change_day, last_day)
            methods.append(_dated(primary, begin, day))
            if roll < SWITCH:
                methods.append(_dated(self._other_method(primary), day, None))
                return None
            return day  # back to cash, with no second method either
        methods.append(_dated(primary, begin, left))
        if second and begin < last_day:
            day = _between(self.rng, begin + dt.timedelta(days=1), last_day)
            methods.append(_dated(self._other_method(primary), day, left))
        return left

    def _new_method(self, day: dt.date) -> dict:
        """The first method: mostly a bank account; wallets more often as the years go by; a
        card terminal for some household businesses and class I market stalls."""
        progress = min(1.0, max(0.0, (day - self.start).days / max(1, (self.today - self.start).days)))
        roll = self.rng.random()
        terminal_ok = (self.trader.kind is VendorKind.HOUSEHOLD_BUSINESS
                       or self.trader.market_class == "I")
        if terminal_ok and roll < 0.08:
            return self._card_terminal()
        if roll < 0.15 + 0.2 * progress:
            return self._wallet()
        return self._bank_account()

    def _other_method(self, before: dict) -> dict:
        if before["kind"] is PaymentMethodKind.BANK_ACCOUNT:
            return self._wallet() if self.rng.random() < 0.7 else self._bank_account()
        return self._bank_account()

    def _bank_account(self) -> dict:
        bin_, account = self.gen.bank_account()
        return _method(self.trader.vendor_id, PaymentMethodKind.BANK_ACCOUNT, bank_bin=bin_,
                       account_number=account, account_holder=self.trader.holder)

    def _wallet(self) -> dict:
        provider = self.rng.choices(list(data.WALLET_WEIGHTS),
                                    weights=list(data.WALLET_WEIGHTS.values()))[0]
        return _method(self.trader.vendor_id, PaymentMethodKind.EWALLET,
                       wallet_provider=WalletProvider(provider))

    def _card_terminal(self) -> dict:
        return _method(self.trader.vendor_id, PaymentMethodKind.CARD_TERMINAL,
                       terminal_provider=self.rng.choice(data.TERMINAL_PROVIDERS),
                       terminal_id=self.gen.digits(8))

    # --- Verification visits ------------------------------------------------------------

    def _visits(self, stretches: list[tuple[dt.date, dt.date | None]]) -> list[dict]:
        """Agents come round every 30 / coverage days (the market's story's share of cashless
        traders visited in the last 30 days), each trader at its own place in the round, from
        a week after it went cashless while it stays so. A trader found back to cash is
        sometimes noted so."""
        coverage = min(0.95, self.story.visited_recently / 100)
        if coverage <= 0:
            return []
        gap = RECENT_DAYS / coverage
        first_round = self.today - dt.timedelta(days=VISITS_SINCE_DAYS)
        visits = []
        for step in range(math.ceil(VISITS_SINCE_DAYS / gap) + 1):
            day = first_round + dt.timedelta(days=round((self.visit_phase + step) * gap)
                                             + self.rng.randint(-2, 2))
            if day >= self.today:
                break
            if any(begin + dt.timedelta(days=7) <= day and (end is None or day < end)
                   for begin, end in stretches):
                visits.append(self._visit(day))
        # A last stretch that ended other than by leaving: the trader went back to cash.
        _, gave_up_on = stretches[-1] if stretches else (None, None)
        if (gave_up_on is not None and gave_up_on not in {left for _, left in self.periods}
                and first_round < gave_up_on < self.today - dt.timedelta(days=3)
                and self.rng.random() < 0.5):
            day = _between(self.rng, gave_up_on + dt.timedelta(days=1),
                           self.today - dt.timedelta(days=1))
            visits.append(self._visit_row(day, VisitAnswer.NO, VisitAnswer.NO,
                                          self.rng.choice(data.VISIT_NOTES["gave_up"])))
        return visits

    def _visit(self, day: dt.date) -> dict:
        """Mostly "yes, paid through it": more so where agents come round often, as their
        follow-up is what keeps traders using the code."""
        rng = self.rng
        not_yes = 0.25 - 0.2 * min(0.95, self.story.visited_recently / 100)
        used = rng.choices([VisitAnswer.YES, VisitAnswer.NO, VisitAnswer.UNKNOWN],
                           weights=[1 - not_yes, not_yes / 2, not_yes / 2])[0]
        placard = rng.choices([VisitAnswer.YES, VisitAnswer.NO, VisitAnswer.UNKNOWN],
                              weights=[90, 8, 2])[0]
        if used is VisitAnswer.UNKNOWN:
            note = rng.choice(data.VISIT_NOTES["unknown"])
        elif placard is VisitAnswer.NO:
            note = rng.choice(data.VISIT_NOTES["placard_missing"])
        elif used is VisitAnswer.NO:
            note = rng.choice(data.VISIT_NOTES["not_used"])
        else:
            note = rng.choice(data.VISIT_NOTES["checked"]) if rng.random() < 0.2 else None
        return self._visit_row(day, placard, used, note)

    def _visit_row(self, day, placard, used, note) -> dict:
        return {"vendor_id": self.trader.vendor_id, "visited_on": day, "placard_displayed": placard,
                "used_last_30_days": used, "note": note, "recorded_by": self.visitor}


def _inverse_rise(y: float) -> float:
    """x in [0, 1] where the S-shaped rise 0.5·x + 0.5·(3x² − 2x³) reaches y (bisection)."""
    low, high = 0.0, 1.0
    for _ in range(30):
        middle = (low + high) / 2
        if 0.5 * middle + 0.5 * (3 * middle ** 2 - 2 * middle ** 3) < y:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def _between(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, max(0, (end - start).days)))


def _method(vendor_id: int, kind: PaymentMethodKind, **fields) -> dict:
    row = {"vendor_id": vendor_id, "kind": kind, "started_on": None, "stopped_on": None,
           "bank_bin": None, "account_number": None, "account_holder": None,
           "wallet_provider": None, "terminal_provider": None, "terminal_id": None}
    row.update(fields)
    return row


def _dated(method: dict, started: dt.date, stopped: dt.date | None) -> dict:
    return {**method, "started_on": started, "stopped_on": stopped}


# --- Markets, rules and listings --------------------------------------------------------------


def fee_collections(stories: dict[int, data.MarketStory], rng: random.Random,
                    today: dt.date) -> list[dict]:
    """A collection period, still running, for each market whose story has one."""
    rows = []
    for market_id, story in sorted(stories.items()):
        if story.fees_months_ago is None:
            continue
        index = today.year * 12 + today.month - 1 - story.fees_months_ago
        started = dt.date(index // 12, index % 12 + 1, rng.randint(1, 28))
        rows.append({"market_id": market_id, "started_on": min(started, today),
                     "stopped_on": None, "note": rng.choice(data.FEE_NOTES)})
    return rows


@dataclass(frozen=True)
class ListedProduct:
    product_id: int
    name: str
    platforms: tuple[str, ...]


# Where a platform's product pages live; the ids in them are made up.
_PRODUCT_PAGES = {
    "shopee": "https://shopee.vn/{slug}-i.{shop}.{item}",
    "lazada": "https://www.lazada.vn/products/{slug}-i{item}.html",
    "tiktok": "https://shop.tiktok.com/view/product/{item}",
    "tiki": "https://tiki.vn/{slug}-p{item}.html",
    "sendo": "https://www.sendo.vn/{slug}-{item}.html",
}


def listings(products: list[ListedProduct], rng: random.Random, today: dt.date) -> list[dict]:
    """Each product on its platforms since a day of the last two years, still listed; some were
    also on Sendo for a while, and taken down."""
    start = history_start(today)
    shop = rng.randrange(10 ** 8, 10 ** 9)
    rows = []
    for product in products:
        for platform in product.platforms:
            rows.append(_listing(product, platform, shop, rng,
                                 _between(rng, start, today - dt.timedelta(days=20)), None))
        if product.platforms and rng.random() < 0.25:
            listed = _between(rng, start, today - dt.timedelta(days=200))
            ended = _between(rng, listed + dt.timedelta(days=60), today - dt.timedelta(days=30))
            rows.append(_listing(product, "sendo", shop, rng, listed, ended))
    return rows


def _listing(product: ListedProduct, platform: str, shop: int, rng: random.Random,
             listed: dt.date, ended: dt.date | None) -> dict:
    slug = re.sub(r"[^a-z0-9]+", "-", to_ascii(product.name).lower()).strip("-")
    page = _PRODUCT_PAGES.get(platform, "https://" + platform + ".example/{slug}-{item}")
    url = page.format(slug=slug, shop=shop, item=rng.randrange(10 ** 9, 10 ** 10))
    return {"product_id": product.product_id, "platform": platform, "url": url,
            "listed_on": listed, "ended_on": ended}
