"""Digitisation pages: the country, a province, a commune or ward, a market on a chosen day;
their tables as CSV and XLSX; the Chợ 4.0 rule's versions; fees collected cashless; the monthly
report of a province as a job."""
from __future__ import annotations

import io

from flask import (
    Blueprint,
    abort,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from marshmallow import ValidationError

from accounts.permissions import (
    MAKE_PROVINCE_REPORT,
    RECORD_MARKET_FEES,
    SET_CHO40_RULE,
    job_owner_filter,
    sees_whole_province,
)
from api import ID
from db import db
from domain_errors import DomainError, Message
from errors import domain_error_response, form_messages, translate, translated_fields
from jobs import runner
from jobs.service import get_job
from market.chart_views import dashboard_charts, map_legend
from market.cho40 import (
    add_rule_version,
    rule_versions,
    start_fee_collection,
    stop_fee_collection,
    visible_province,
)
from market.dashboard import dashboard_for, home_unit, shortfall_message, tables
from market.report import REPORT_JOB
from market.stats_schemas import DayArgs, FeeInput, ReportArgs, RuleInput
from rate_limits import DOWNLOADS
from spreadsheets import write_csv, write_xlsx

bp = Blueprint("stats", __name__, url_prefix="/stats")

FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@bp.app_context_processor
def stats_helpers():
    return {"shortfall_message": lambda shortfall: translate(shortfall_message(shortfall)),
            "stats_url": stats_url, "map_legend": map_legend}


@bp.context_processor
def stats_permissions():
    user = current_user
    return {"may_report": MAKE_PROVINCE_REPORT.allows(user),
            "may_record_fees": RECORD_MARKET_FEES.allows(user),
            "may_see_province": sees_whole_province(user)}


@bp.get("/")
@login_required
def index():
    level, code = home_unit(current_user)
    return redirect(stats_url(level, code, **request.args))


def stats_url(level: str, code: str | int, table: str | None = None, fmt: str | None = None,
              **query) -> str:
    """The address of a unit's page, or of one of its tables as a file."""
    arguments = {"province": "province_code", "ward": "ward_code", "market": "market_id"}
    if level != "country":
        query[arguments[level]] = code
    if table is None:
        return url_for(f"stats.{level}", **query)
    return url_for(f"stats.{level}_table", table=table, fmt=fmt, **query)


@bp.get("/country")
@login_required
def country():
    return _page("country", "VN")


@bp.get("/provinces/<province_code>")
@login_required
def province(province_code: str):
    return _page("province", province_code)


@bp.get("/wards/<ward_code>")
@login_required
def ward(ward_code: str):
    return _page("ward", ward_code)


@bp.get(f"/markets/<{ID}:market_id>")
@login_required
def market(market_id: int):
    return _page("market", str(market_id))


def _page(level: str, code: str):
    args = DayArgs().load(request.args)
    day = args["date"]
    page = dashboard_for(db.session, current_user, level, code, day, args["days"])
    return render_template(f"stats/{level}.html", page=page, day=day, level=level, code=code,
                           charts=dashboard_charts(page), tables=tables(page))


TABLE_FILE = "/<table>.<any(csv, xlsx):fmt>"


@bp.get("/country" + TABLE_FILE)
@login_required
@DOWNLOADS
def country_table(table: str, fmt: str):
    return _table_file("country", "VN", table, fmt)


@bp.get("/provinces/<province_code>" + TABLE_FILE)
@login_required
@DOWNLOADS
def province_table(province_code: str, table: str, fmt: str):
    return _table_file("province", province_code, table, fmt)


@bp.get("/wards/<ward_code>" + TABLE_FILE)
@login_required
@DOWNLOADS
def ward_table(ward_code: str, table: str, fmt: str):
    return _table_file("ward", ward_code, table, fmt)


@bp.get(f"/markets/<{ID}:market_id>" + TABLE_FILE)
@login_required
@DOWNLOADS
def market_table(market_id: int, table: str, fmt: str):
    return _table_file("market", str(market_id), table, fmt)


def _table_file(level: str, code: str, name: str, fmt: str):
    """One table of a page as the file the page links to, with the page's figures."""
    args = DayArgs().load(request.args)
    day = args["date"]
    found = tables(dashboard_for(db.session, current_user, level, code, day,
                                 args["days"])).get(name)
    if found is None:
        abort(404)
    header = [translate(title) for title in found.header]
    rows = [[_cell(value) for value in row] for row in found.rows]
    out = io.BytesIO()
    if fmt == "csv":
        write_csv(out, header, rows)
    else:
        write_xlsx(out, translate(found.title)[:31], [header], rows)
    out.seek(0)
    file_name = f"so-lieu-{level}-{code}-{name}-{day.isoformat()}.{fmt}"
    return send_file(out, mimetype=FORMATS[fmt], as_attachment=True, download_name=file_name)


def _cell(value):
    if isinstance(value, bool):
        return _("Có") if value else _("Không")
    if isinstance(value, Message):
        return translate(value)
    if isinstance(value, list):
        return "; ".join(_cell(item) for item in value)
    return value


# --- The Chợ 4.0 rule and fees --------------------------------------------------------------


@bp.route("/provinces/<province_code>/rule", methods=["GET", "POST"])
@login_required
def rule(province_code: str):
    province = visible_province(db.session, current_user, province_code)
    errors, values = {}, {}
    if request.method == "POST":
        values = request.form.to_dict()
        try:
            SET_CHO40_RULE.check(current_user)
            add_rule_version(db.session, current_user, province.code, RuleInput().load(values))
        except DomainError as error:
            db.session.rollback()
            if error.status in (403, 404):
                return domain_error_response(error)
            errors = form_messages(error)
        except ValidationError as error:
            errors = translated_fields(error.messages)
        else:
            db.session.commit()
            return redirect(url_for("stats.rule", province_code=province.code), 303)
    return render_template(
        "stats/rule.html", province=province, versions=rule_versions(db.session, province.code),
        may_edit=SET_CHO40_RULE.allows(current_user), errors=errors, v=values,
    ), 422 if errors else 200


@bp.post("/markets/<int:market_id>/fees")
@login_required
def fees(market_id: int):
    RECORD_MARKET_FEES.check(current_user)  # the role first: a refused one learns nothing more
    data = FeeInput().load(request.form)
    if data["action"] == "start":
        start_fee_collection(db.session, current_user, market_id, data["day"], data.get("note"))
    else:
        stop_fee_collection(db.session, current_user, market_id, data["day"])
    db.session.commit()
    return redirect(url_for("stats.market", market_id=market_id), 303)


# --- The monthly report ---------------------------------------------------------------------


@bp.post("/provinces/<province_code>/report")
@login_required
def start_report(province_code: str):
    province = visible_province(db.session, current_user, province_code)
    MAKE_PROVINCE_REPORT.check(current_user)
    year, month = ReportArgs().load(request.form)["month"]
    job = runner.enqueue(REPORT_JOB, {"province_code": province.code, "year": year,
                                      "month": month, "lang": str(get_locale())},
                         created_by=current_user.id)
    return redirect(url_for("stats.report_job", job_id=job.id), 303)


@bp.get("/reports/<int:job_id>")
@login_required
def report_job(job_id: int):
    return runner.job_page("stats/report_job.html", _report_job(job_id))


@bp.get("/reports/<int:job_id>/file")
@login_required
@DOWNLOADS
def report_file(job_id: int):
    job = _report_job(job_id)
    return send_file(runner.downloadable_file(job), mimetype="application/pdf", as_attachment=True,
                     download_name=job.download_name)


def _report_job(job_id: int):
    job = get_job(db.session, job_id, created_by=job_owner_filter(current_user))
    if job is None or job.kind != REPORT_JOB:
        abort(404)
    return job
