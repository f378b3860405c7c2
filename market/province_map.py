"""The province map on the market form: where a latitude and longitude fall on a plain SVG the
app draws (no tiles, no service), and back, for a click that sets a market's coordinates. Pure:
numbers in, numbers out.

The projection is charts.market_map's idea: equirectangular, a degree of longitude shrunk by the
cosine of the middle latitude so a kilometre is as long across as down, and the province kept
in its shape. It is linear in both axes, so the page's script turns a click into coordinates
with the frame's four edges alone (static/js/market_map.js does the same sum as `place`).
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 360  # the SVG's own units; it is scaled to the screen
MARGIN = 0.08  # of the span, around the points, so the edge ones can be clicked beside
MIN_SPAN = 0.05  # degrees: a province of one point still shows some country around it
MIN_HEIGHT, MAX_HEIGHT = WIDTH * 0.6, WIDTH * 1.5


@dataclass(frozen=True)
class MapFrame:
    """The part of the map drawn: its edges in degrees and its size in SVG units."""

    west: float
    east: float
    south: float
    north: float
    width: float
    height: float

    def point(self, latitude: float, longitude: float) -> tuple[float, float]:
        """(x, y) of a place in the SVG, y downwards."""
        x = (longitude - self.west) / (self.east - self.west) * self.width
        y = (self.north - latitude) / (self.north - self.south) * self.height
        return round(x, 2), round(y, 2)

    def place(self, x: float, y: float) -> tuple[float, float]:
        """(latitude, longitude) under a point of the SVG: `point`, the other way."""
        longitude = self.west + x / self.width * (self.east - self.west)
        latitude = self.north - y / self.height * (self.north - self.south)
        return latitude, longitude

    def contains(self, latitude: float, longitude: float) -> bool:
        return self.south <= latitude <= self.north and self.west <= longitude <= self.east


def frame_for(points: Sequence[tuple[float, float]], *, width: float = WIDTH) -> MapFrame | None:
    """The frame showing every (latitude, longitude) with a margin, at one scale on both axes;
    None without points. A long province is drawn taller or wider, up to MAX_HEIGHT or
    MIN_HEIGHT, its shorter side widened to fill the rest."""
    if not points:
        return None
    latitudes = [latitude for latitude, _ in points]
    longitudes = [longitude for _, longitude in points]
    middle = (max(latitudes) + min(latitudes)) / 2
    shrink = math.cos(math.radians(middle))
    # Spans in "degrees of latitude", the same length on the ground both ways.
    across = max((max(longitudes) - min(longitudes)) * shrink, MIN_SPAN) * (1 + 2 * MARGIN)
    down = max(max(latitudes) - min(latitudes), MIN_SPAN) * (1 + 2 * MARGIN)
    height = min(max(width * down / across, MIN_HEIGHT), MAX_HEIGHT)
    # The side the clamp cut short of its shape is widened: both axes keep one scale.
    if width * down / across > height:
        across = down * width / height
    else:
        down = across * height / width
    centre_longitude = (max(longitudes) + min(longitudes)) / 2
    return MapFrame(
        west=centre_longitude - across / shrink / 2, east=centre_longitude + across / shrink / 2,
        south=middle - down / 2, north=middle + down / 2, width=width, height=round(height, 2))
