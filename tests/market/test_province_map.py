"""The province map of the market form (market/province_map.py), directly: every point drawn
inside the frame, one scale on both axes, and a click read back as the place it shows."""
from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from market.province_map import MAX_HEIGHT, MIN_HEIGHT, WIDTH, frame_for

# No deadline: the machines that run the suite are shared and slow; no example database.
STEADY = settings(deadline=None, database=None)

# Thái Nguyên's communes span about 21.3–22.1 N, 105.5–106.3 E.
THAI_NGUYEN = [(21.35, 105.55), (22.05, 105.80), (21.60, 106.25), (21.64, 105.64)]

places = st.tuples(st.floats(8.0, 23.5), st.floats(102.0, 110.0))


def test_no_points_no_map():
    assert frame_for([]) is None


def test_a_province_is_drawn_at_one_scale_across_and_down():
    frame = frame_for(THAI_NGUYEN)
    assert frame.width == WIDTH and MIN_HEIGHT <= frame.height <= MAX_HEIGHT
    middle = (frame.north + frame.south) / 2
    km_across = (frame.east - frame.west) * 111.32 * math.cos(math.radians(middle))
    km_down = (frame.north - frame.south) * 110.57
    assert km_across / frame.width == pytest.approx(km_down / frame.height, rel=0.02)


def test_one_market_alone_is_in_the_middle_with_country_around_it():
    frame = frame_for([(21.6364, 105.6436)])
    assert frame.point(21.6364, 105.6436) == pytest.approx((frame.width / 2, frame.height / 2))
    assert frame.north - frame.south >= 0.05


@STEADY
@given(st.lists(places, min_size=1, max_size=30))
def test_every_point_falls_inside_the_map(points):
    frame = frame_for(points)
    for latitude, longitude in points:
        x, y = frame.point(latitude, longitude)
        assert 0 <= x <= frame.width and 0 <= y <= frame.height
        assert frame.contains(latitude, longitude)


@STEADY
@given(st.lists(places, min_size=1, max_size=10), st.floats(0, 1), st.floats(0, 1))
def test_a_click_reads_back_as_the_place_drawn_there(points, across, down):
    frame = frame_for(points)
    x, y = across * frame.width, down * frame.height
    latitude, longitude = frame.place(x, y)
    assert frame.point(latitude, longitude) == pytest.approx((x, y), abs=0.01)
