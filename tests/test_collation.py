"""Lists sorted the Vietnamese way by the database itself, on SQLite and PostgreSQL alike: Đ after
D, Ă and Â after A, Ơ after Ô after O, Ư after U, tones in dictionary order, case last."""
from __future__ import annotations

import random

from sqlalchemy import select, true

from db import vietnamese_order
from market.models import Market
from market.service import list_markets
from tests.factories import DAI_TU, make_market
from tests.test_textnorm import ORDERED


def test_the_database_sorts_names_as_the_dictionary_does(session):
    names = ORDERED[:]
    random.Random(5).shuffle(names)
    for name in names:
        make_market(session, name=name, ward_code=DAI_TU)
    session.commit()
    assert list(session.scalars(select(Market.name).order_by(vietnamese_order(Market.name),
                                                             Market.id))) == ORDERED
    markets, total = list_markets(session, true(), page_size=100)
    assert total == len(ORDERED) and [m.name for m in markets] == ORDERED


def test_every_tone_of_every_vowel_sorts_after_the_plain_one(session):
    # a, à, ả, ã, á, ạ for each vowel, then the next vowel: tones never outrank letters.
    vowels = "aăâeêioôơuưy"
    tones = ["", "\u0300", "\u0309", "\u0303", "\u0301", "\u0323"]
    import unicodedata
    expected = [unicodedata.normalize("NFC", "t" + v + t) for v in vowels for t in tones]
    shuffled = expected[:]
    random.Random(9).shuffle(shuffled)
    for name in shuffled:
        make_market(session, name=name, ward_code=DAI_TU)
    session.commit()
    found = list(session.scalars(select(Market.name).order_by(vietnamese_order(Market.name))))
    assert found == expected
