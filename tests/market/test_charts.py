"""The charts as SVG: parsed back, they hold what was drawn, where it was drawn, with no script."""
from __future__ import annotations

from lxml import etree

from market import charts

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str):
    return etree.fromstring(svg.encode())


def dots(svg: str) -> list[tuple[float, float]]:
    return [(float(c.get("cx")), float(c.get("cy"))) for c in parse(svg).iter(f"{SVG}circle")]


def texts(svg: str) -> list[str]:
    return [t.text for t in parse(svg).iter(f"{SVG}text") if t.text]


def test_the_map_places_markets_by_their_coordinates_coloured_by_share():
    points = [charts.MapPoint("Chợ Tây", 21.60, 105.60, 10.0),
              charts.MapPoint("Chợ Đông", 21.60, 105.90, 90.0),
              charts.MapPoint("Chợ Bắc", 21.90, 105.75, None)]
    svg = charts.market_map(points)
    assert "<script" not in svg
    (west, east, north) = dots(svg)  # drawn band by band: red, blue, then grey
    assert west[0] < north[0] < east[0]  # longitude grows eastwards
    assert north[1] < west[1] == east[1]  # latitude grows upwards, the screen's y downwards
    # One scale for both axes: 0.3° of longitude at about 21.7° N (the dots' mean latitude) is
    # as long as 0.3 x cos(21.7°) = 0.279° of latitude.
    import math
    across = 0.3 * math.cos(math.radians((21.6 + 21.6 + 21.9) / 3))
    assert abs((east[0] - west[0]) / (west[1] - north[1]) - across / 0.3) < 0.01
    names = texts(svg)
    assert {"Chợ Tây", "Chợ Đông", "Chợ Bắc"} <= set(names)
    assert charts.share_colour(10.0) == "#d73027" and charts.share_colour(75.0) == "#1f5fa8"
    assert charts.share_colour(None) == charts.NO_VENDOR_COLOUR


def test_bars_and_lines_carry_their_labels_and_values():
    svg = charts.bar_chart("Tỉ lệ theo xã/phường", ["Xã Đại Từ", "Phường Ưng"], [45.25, None])
    assert "<script" not in svg
    words = texts(svg)
    assert "Xã Đại Từ" in words and "Phường Ưng" in words and "45.2 %" in words
    # The first unit is drawn at the top, as it is first in the table beside the chart.
    labels = {t.text: float(t.get("y")) for t in parse(svg).iter(f"{SVG}text")
              if t.text in ("Xã Đại Từ", "Phường Ưng")}
    assert labels["Xã Đại Từ"] < labels["Phường Ưng"]
    line = charts.line_chart("Theo tháng", ["01/2026", "02/2026"], [12.4, 30.6])
    assert {"01/2026", "02/2026", "12", "31"} <= set(texts(line))
    assert len(dots(line)) == 2


def test_an_empty_map_is_still_a_chart():
    svg = charts.market_map([])
    assert [label for label, _ in charts.legend_bands(["a", "b", "c", "d"], "x")] == [
        "a", "b", "c", "d", "x"]
    assert parse(svg).tag == f"{SVG}svg" and dots(svg) == []
