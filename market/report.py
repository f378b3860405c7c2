"""A province's monthly digitisation report as a PDF (WeasyPrint), made by a background job: the
figures on the month's last day, the charts, the Chợ 4.0 list and the change since the month
before, laid out for A4 to attach to an official report."""
from __future__ import annotations

from pathlib import Path

from flask import render_template
from flask_babel import force_locale

from domain_errors import N_, NotFound
from errors import translate
from files import atomic_output
from jobs.service import JobContext
from market.chart_views import dashboard_charts
from market.dashboard import monthly_report, shortfall_message, tables
from qr.placard_data import file_slug

REPORT_JOB = "stats_report"
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"


def render_report_pdf(session, province_code: str, year: int, month: int) -> tuple[bytes, str]:
    """(the PDF, the province's name) for the month; NotFound for an unknown province."""
    from weasyprint import HTML

    report = monthly_report(session, province_code, year, month)
    if report is None:
        raise NotFound(N_("Không tìm thấy tỉnh/thành này."))
    html = render_template(
        "stats/report.html", report=report, page=report.dashboard,
        charts=dashboard_charts(report.dashboard),
        tables=tables(report.dashboard),
        shortfall_message=lambda shortfall: translate(shortfall_message(shortfall)))
    # Fonts and styles from static/, as the pages have them: nothing is fetched from outside.
    return HTML(string=html, base_url=str(STATIC_DIR)).write_pdf(), report.province_name


def run_report_job(context: JobContext) -> str:
    """jobs task "stats_report": params {"province_code", "year", "month", "lang"}."""
    params = context.params
    context.progress(0, 1)
    with force_locale(params.get("lang", "vi")):
        pdf, name = render_report_pdf(context.session, params["province_code"],
                                      int(params["year"]), int(params["month"]))
    file_name = (f"job-{context.job_id}-bao-cao-so-hoa-cho-"
                 f"{file_slug(name, params['province_code'])}-"
                 f"{int(params['year']):04d}-{int(params['month']):02d}.pdf")
    with atomic_output(context.output_dir / file_name) as out:
        out.write(pdf)
    context.progress(1, 1)
    return file_name
