"""A dashboard's charts in the reader's language, for the pages and the monthly report alike."""
from __future__ import annotations

from flask_babel import format_decimal
from flask_babel import gettext as _
from markupsafe import Markup

from market import charts
from market.dashboard import Dashboard
from market.indicators import Unit, as_percent


def _percent(unit: Unit) -> float | None:
    return as_percent(unit.counts.share)


def _percent_text(value: float) -> str:
    return format_decimal(value, format="#,##0.0") + " %"


def share_bars(unit: Unit, *, width: int = charts.WIDTH) -> Markup:
    """One bar per unit below (communes of a province, markets of a commune)."""
    title = {"country": _("Tỉ lệ theo tỉnh/thành"), "province": _("Tỉ lệ theo xã/phường"),
             "ward": _("Tỉ lệ theo chợ")}.get(unit.level, "")
    children = unit.children
    return Markup(charts.bar_chart(title, [child.name for child in children],
                                   [_percent(child) for child in children], width=width,
                                   formatter=_percent_text))


def monthly_line(dashboard: Dashboard, *, width: int = charts.WIDTH) -> Markup:
    return Markup(charts.line_chart(
        _("Tỉ lệ theo tháng (%)"),
        [figure.label for figure in dashboard.series],
        [as_percent(figure.counts.share) for figure in dashboard.series], width=width))


def markets_map(dashboard: Dashboard, *, width: int = charts.WIDTH) -> Markup:
    """The area's markets that have coordinates, as dots coloured by share."""
    shares = {v.market_id: as_percent(v.counts.share) for v in dashboard.verdicts}
    points = [charts.MapPoint(market.name, float(market.latitude), float(market.longitude),
                              shares.get(market.id)) for market in dashboard.located_markets]
    return Markup(charts.market_map(points, width=width))


def map_legend() -> list[tuple[str, str]]:
    return charts.legend_bands([_("dưới 25 %"), _("25–50 %"), _("50–75 %"), _("từ 75 %")],
                               _("chưa có tiểu thương"))


def dashboard_charts(dashboard: Dashboard | Unit, *, width: int = charts.WIDTH) -> dict[str, Markup]:
    if isinstance(dashboard, Unit):
        return {"bars": share_bars(dashboard, width=width)}
    result = {"line": monthly_line(dashboard, width=width)}
    if dashboard.unit.children:
        result["bars"] = share_bars(dashboard.unit, width=width)
    if dashboard.area.level in ("province", "ward"):
        result["map"] = markets_map(dashboard, width=width)
    return result
