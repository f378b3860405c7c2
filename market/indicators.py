"""Digitisation indicator maths: counts in, shares out. No Flask, no database."""
from __future__ import annotations

from fractions import Fraction


def cashless_share(cashless_vendors: int, active_vendors: int) -> Fraction | None:
    """Share of active vendors that accept cashless payment; None when there is nobody to count."""
    if active_vendors < 0 or cashless_vendors < 0:
        raise ValueError("counts cannot be negative")
    if cashless_vendors > active_vendors:
        raise ValueError("more cashless vendors than active vendors")
    if active_vendors == 0:
        return None
    return Fraction(cashless_vendors, active_vendors)


def as_percent(share: Fraction | None, digits: int = 1) -> float | None:
    return None if share is None else round(float(share) * 100, digits)
