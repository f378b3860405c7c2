"""The dashboards' charts as SVG drawn on the server with pygal: no JavaScript, a few kilobytes
each, printed as they are shown (WeasyPrint draws them in the monthly report). Labels come in
already translated; no Flask, no database."""
from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pygal
from pygal.style import Style

# pygal puts an import hook of its own on sys.meta_path (for its map plugins, unused here) that
# lacks find_spec: importlib-based importers (pytest's among them) fail on it. Taken off again.
sys.meta_path[:] = [finder for finder in sys.meta_path
                    if type(finder).__module__.split(".")[0] != "pygal"]

FONT = "Noto Sans, DejaVu Sans, Arial, sans-serif"
BLUE = "#1f5fa8"
# Colours of a market's dot by its share, low to high (readable in grey print too: darker=higher).
SHARE_BANDS = ((25, "#d73027"), (50, "#fc8d59"), (75, "#91bfdb"), (101, "#1f5fa8"))
NO_VENDOR_COLOUR = "#9e9e9e"


# Drawn 640 px wide with large type: a phone shows the chart at about 360 px, where 15 px text
# still reads as 8 to 9 px; a desk screen and A4 show it at its own size.
WIDTH = 640


def _style(*colours: str) -> Style:
    return Style(font_family=FONT, background="white", plot_background="white",
                 foreground="#222", foreground_strong="#111", foreground_subtle="#bbb",
                 colors=colours or (BLUE,), title_font_size=18, label_font_size=15,
                 major_label_font_size=15, value_font_size=15, value_label_font_size=15,
                 legend_font_size=15,
                 tooltip_font_size=15)


def _options(**options) -> dict:
    # js=[]: pygal links a script from its CDN by default; the app serves no CDN script.
    return {"js": [], "disable_xml_declaration": True, "explicit_size": True,
            "show_legend": False, "no_data_text": "—", "truncate_label": -1,
            "truncate_legend": -1, **options}


def _plain_percent(value: float) -> str:
    return f"{value:.1f} %"


_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.DOTALL)


# The one style attribute pygal writes, on its (script-driven, so unused) tooltip: the pages'
# Content-Security-Policy refuses style attributes; the SVG attribute does the same.
_TOOLTIP_STYLE = 'style="opacity: 0"'


def _svg(chart) -> str:
    # pygal writes its tooltip configuration as an inline script whatever `js` says: the charts
    # need no script, and a page allowing none (Content-Security-Policy) would refuse it. Its
    # <style> element is let through by the request's nonce (security_headers.nonced_styles).
    svg = _SCRIPT.sub("", chart.render(is_unicode=True))
    return svg.replace(_TOOLTIP_STYLE, 'opacity="0"')


def bar_chart(title: str, labels: Sequence[str], percents: Sequence[float | None], *,
              width: int = WIDTH, formatter: Callable[[float], str] = _plain_percent) -> str:
    """Horizontal bars of shares in percent, one per unit; a unit with nobody active has none."""
    height = max(180, 90 + 36 * len(labels))
    chart = pygal.HorizontalBar(**_options(
        title=title, width=width, height=height, range=(0, 100), print_values=True,
        # A short bar has no room for its figure (the table beside the chart has them all).
        value_formatter=lambda value: "" if value is None or value < 8 else formatter(value),
        y_labels=[0, 25, 50, 75, 100], style=_style()))
    # pygal stacks horizontal bars from the bottom up: given reversed, they read from the top in
    # the order of the table beside them.
    chart.x_labels = list(labels)[::-1]
    chart.add(title, list(percents)[::-1])
    return _svg(chart)


def line_chart(title: str, labels: Sequence[str], percents: Sequence[float | None], *,
               width: int = WIDTH, height: int = 340) -> str:
    """The share month by month, in percent (whole numbers on the dots: the table has more)."""
    chart = pygal.Line(**_options(
        title=title, width=width, height=height, range=(0, 100), dots_size=4,
        y_labels=[0, 25, 50, 75, 100], x_label_rotation=-45 if len(labels) > 6 else 0,
        print_values=len(labels) <= 13,
        value_formatter=lambda value: "" if value is None else f"{value:.0f}",
        style=_style()))
    chart.x_labels = list(labels)
    chart.add(title, list(percents))
    return _svg(chart)


@dataclass(frozen=True)
class MapPoint:
    name: str
    latitude: float
    longitude: float
    percent: float | None


def share_colour(percent: float | None) -> str:
    if percent is None:
        return NO_VENDOR_COLOUR
    return next(colour for limit, colour in SHARE_BANDS if percent < limit)


def market_map(points: Sequence[MapPoint], *, width: int = WIDTH) -> str:
    """The markets as dots placed by their coordinates and coloured by share (SHARE_BANDS), named
    beside them. One scale on both axes: the ranges span as many kilometres across as down (a
    degree of longitude shrunk by the cosine of the latitude) on a square plot with no title,
    legend or axis labels taking room from it, so the province keeps its shape. The page gives
    the title and the colours' legend (legend_bands). No tiles, no outlines: dots and names."""
    options = _options(width=width, height=width, stroke=False, dots_size=7, margin=12,
                       spacing=0, show_x_labels=False, show_y_labels=False,
                       show_x_guides=False, show_y_guides=False, print_labels=True,
                       style=_style(*(colour for _, colour in SHARE_BANDS), NO_VENDOR_COLOUR))
    if not points:
        return _svg(pygal.XY(**options))
    lats = [p.latitude for p in points]
    lons = [p.longitude for p in points]
    shrink = math.cos(math.radians(sum(lats) / len(lats)))
    # A margin around the dots for their names, and at least 0.05° so one market alone is not
    # in a corner.
    span = max(max(lats) - min(lats), (max(lons) - min(lons)) * shrink, 0.05) * 1.4
    mid_lat, mid_lon = (max(lats) + min(lats)) / 2, (max(lons) + min(lons)) / 2
    chart = pygal.XY(**options, xrange=(mid_lon - span / shrink / 2, mid_lon + span / shrink / 2),
                     range=(mid_lat - span / 2, mid_lat + span / 2))
    for colour in [colour for _, colour in SHARE_BANDS] + [NO_VENDOR_COLOUR]:
        chart.add(colour, [{"value": (p.longitude, p.latitude), "label": p.name}
                           for p in points if share_colour(p.percent) == colour])
    return _svg(chart)


def legend_bands(band_labels: Sequence[str], no_vendor_label: str) -> list[tuple[str, str]]:
    """(label, colour) of each colour of the map, for the legend the page draws under it."""
    return [*zip(band_labels, [colour for _, colour in SHARE_BANDS]),
            (no_vendor_label, NO_VENDOR_COLOUR)]
