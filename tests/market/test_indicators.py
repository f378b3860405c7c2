"""The cashless share maths, directly."""
from __future__ import annotations

from fractions import Fraction

import pytest

from market.indicators import as_percent, cashless_share


def test_share_is_exact_and_none_when_there_is_nobody():
    assert cashless_share(1, 3) == Fraction(1, 3)
    assert as_percent(cashless_share(1, 3)) == 33.3
    assert cashless_share(0, 0) is None and as_percent(None) is None


@pytest.mark.parametrize("cashless, active", [(-1, 3), (4, 3), (1, -1)])
def test_impossible_counts_are_refused(cashless, active):
    with pytest.raises(ValueError):
        cashless_share(cashless, active)
