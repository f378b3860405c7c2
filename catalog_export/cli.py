"""`flask catalog ...`: the platforms products are exported for, and the readiness report of a
vendor's products before export. The command line sees every vendor (it runs as the system, with
no user): its scope is true(). Bad input exits with status 2 and says why."""
from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import true

from catalog_export.exporters import EXPORTERS
from catalog_export.readiness import Readiness, Status, readiness, readiness_document
from db import db
from domain_errors import N_, DomainError, Message, N_plural
from i18n import in_language

STATUS_WORDS = {
    Status.READY: N_("sẵn sàng"),
    Status.WARNINGS: N_("có cảnh báo"),
    Status.ERRORS: N_("có lỗi"),
}
SEVERITY_MARKS = {"error": "✗", "warning": "⚠"}


@click.group("catalog", help="Danh mục sản phẩm: các sàn, và kiểm tra sản phẩm trước khi xuất.")
def catalog_cli() -> None:
    pass


@catalog_cli.command("platforms")
def platforms_command() -> None:
    """Liệt kê các sàn và định dạng xuất: tên (dùng cho --platform), tên sàn, đuôi tệp."""
    for exporter in EXPORTERS.values():
        click.echo(f"{exporter.name}\t{exporter.label}\t{exporter.file_extension}")


@catalog_cli.command("check")
@click.option("--vendor", "vendor_id", type=int, required=True,
              help="Mã (id) của hợp tác xã hoặc tiểu thương.")
@click.option("--platform", "platforms", multiple=True,
              help="Chỉ sàn này (xem `flask catalog platforms`); có thể lặp lại. Mặc định: mọi sàn.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="text: để đọc; json: cho chương trình khác.")
@click.option("--lang", "language", type=click.Choice(["vi", "en"]), default="vi",
              show_default=True, help="Ngôn ngữ của các thông báo.")
@with_appcontext
def check_command(vendor_id: int, platforms: tuple[str, ...], output_format: str,
                  language: str) -> None:
    """Kiểm tra các sản phẩm đang bán của một hợp tác xã theo quy định của từng sàn.

    Mỗi vấn đề nêu mục, quy định và giới hạn. Sản phẩm có lỗi sẽ không được đưa vào tệp của sàn
    đó; bản nháp không được xuất. Mã thoát 2 khi không có hợp tác xã hoặc sàn đã cho.
    """
    def say(message: Message) -> str:
        return in_language(message, language)

    try:
        report = readiness(db.session, true(), vendor_id, list(platforms) or None,
                           public_base_url=current_app.config.get("PUBLIC_BASE_URL"))
    except DomainError as error:
        raise click.UsageError(" ".join(say(reason) for reason in error.messages())) from error
    if output_format == "json":
        click.echo(json.dumps(readiness_document(report, say), ensure_ascii=False, indent=2))
    else:
        _echo_text(report, say)


def _echo_text(report: Readiness, say) -> None:
    click.echo(say(N_plural("%(vendor)s: %(count)s sản phẩm đang bán.",
                            "%(vendor)s: %(count)s sản phẩm đang bán.",
                            count=len(report.products), vendor=report.vendor.name)))
    for exporter in report.platforms:
        counts = report.counts[exporter.name]
        click.echo(say(N_(
            "%(platform)s: %(ready)s sẵn sàng, %(warnings)s có cảnh báo, %(errors)s có lỗi.",
            platform=exporter.label, ready=counts.ready, warnings=counts.warnings,
            errors=counts.errors)))
    for row in report.products:
        if not row.has_problems:
            continue
        click.echo("")
        click.echo(f"#{row.product.id} {row.product.name} ({row.product.sku})")
        for exporter in report.platforms:
            check = row.checks[exporter.name]
            if not check.findings:
                continue
            click.echo(f"  {exporter.label}: {say(STATUS_WORDS[check.status])}")
            for finding in check.findings:
                click.echo(f"    {SEVERITY_MARKS[finding.severity.value]} {finding.field} "
                           f"[{finding.rule}]: {say(finding.message)}")
