"""Random but reproducible people, phones, ID numbers and accounts for the demo, never repeating
one: every value drawn from one seeded Random, so a seed gives the same demo every time."""
from __future__ import annotations

import datetime as dt
import random

from demo import data
from textnorm import nfc


class Generator:
    def __init__(self, seed: int, today: dt.date):
        self.rng = random.Random(seed)
        self.today = today
        self._used: set[str] = set()

    def _unique(self, make) -> str:
        while True:
            value = make()
            if value not in self._used:
                self._used.add(value)
                return value

    def digits(self, n: int) -> str:
        return f"{self.rng.randrange(10 ** n):0{n}d}"

    def person(self) -> tuple[str, bool]:
        female = self.rng.random() < 0.7  # most market traders are women
        middle = self.rng.choice(data.MIDDLE_FEMALE if female else data.MIDDLE_MALE)
        given = self.rng.choice(data.GIVEN_FEMALE if female else data.GIVEN_MALE)
        return nfc(f"{self.rng.choice(data.SURNAMES)} {middle} {given}"), female

    def phone(self) -> str:
        return self._unique(lambda: self.rng.choice(data.MOBILE_PREFIXES) + self.digits(7))

    def citizen_id(self, female: bool,
                   birth_provinces: tuple[str, ...] = data.BIRTH_PROVINCES[data.PROVINCE_CODE],
                   ) -> str:
        # 12 digits: birth province, century and sex, year of birth, then a serial number.
        year = self.rng.randint(1955, 2002)
        century_sex = (0 if year < 2000 else 2) + (1 if female else 0)
        province = self.rng.choice(birth_provinces)
        return self._unique(lambda: f"{province}{century_sex}{year % 100:02d}{self.digits(6)}")

    def tax_code(self) -> str:
        return self._unique(lambda: "46" + self.digits(8))

    def bank_account(self) -> tuple[str, str]:
        bin_, length = self.rng.choice(data.BANK_ACCOUNTS)
        return bin_, self._unique(lambda: self.rng.choice("123456789") + self.digits(length - 1))

    def date_between(self, start: dt.date, end: dt.date) -> dt.date:
        return start + dt.timedelta(days=self.rng.randint(0, max(0, (end - start).days)))
