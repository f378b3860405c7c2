"""`flask catalog export`: a vendor's products on sale written for a platform, from the command
line, with the photos prepared for it in a ZIP if asked. The integrator adds export_command to
the "catalog" group (catalog_export/cli.py: catalog_cli.add_command(export_command))."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from catalog_export.exporters import EXPORTERS
from catalog_export.exports import (
    TEMPLATE_MAX_BYTES,
    check_template,
    exportable_vendor,
    exporter_for,
    record_result,
    write_export,
)
from catalog_export.image_store import images_dir
from catalog_export.models import CatalogExport
from db import db
from domain_errors import DomainError
from files import atomic_output


@click.command("export", help="Xuất sản phẩm đang bán của một tiểu thương hoặc hợp tác xã ra "
                              "tệp cho một nền tảng. Nền tảng: " + ", ".join(EXPORTERS) + ".")
@click.option("--vendor", "vendor_id", type=int, required=True,
              help="Mã của tiểu thương hoặc hợp tác xã.")
@click.option("--platform", required=True, help="Tên nền tảng, ví dụ shopee, google.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Tệp sẽ ghi.")
@click.option("--template", "template_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Tệp mẫu Shopee tải từ Kênh Người Bán (.xlsx).")
@click.option("--images-zip", type=click.Path(dir_okay=False, path_type=Path),
              help="Tệp ZIP sẽ ghi, gồm ảnh đã chuẩn bị cho nền tảng.")
@with_appcontext
def export_command(vendor_id: int, platform: str, output: Path, template_path: Path | None,
                   images_zip: Path | None) -> None:
    session = db.session
    try:
        exporter = exporter_for(platform)
    except DomainError as error:
        raise click.BadParameter(str(error), param_hint="--platform") from None
    try:
        vendor = exportable_vendor(session, None, vendor_id)
    except DomainError as error:
        raise click.BadParameter(f"{vendor_id}: {error}", param_hint="--vendor") from None
    for path, option in ((output, "--output"), (images_zip, "--images-zip")):
        if path is not None and not path.parent.is_dir():
            raise click.BadParameter(f"thư mục {path.parent} không có.", param_hint=option)
    template = _template(platform, template_path)
    app = current_app._get_current_object()
    with atomic_output(output) as out:
        if images_zip is None:
            result = write_export(session, [vendor.id], exporter, out, template=template,
                                  public_base_url=app.config.get("PUBLIC_BASE_URL"),
                                  images_zip=None, images_folder=None)
        else:
            with atomic_output(images_zip) as archive:
                result = write_export(
                    session, [vendor.id], exporter, out, template=template,
                    public_base_url=app.config.get("PUBLIC_BASE_URL"), images_zip=archive,
                    images_folder=images_dir(app))
    # Recorded in the vendor's history, with no file to download: it is where it was written.
    record = CatalogExport(vendor_id=vendor.id, platform=platform, download_name=output.name)
    record_result(record, result)
    session.add(record)
    session.commit()
    click.echo(f"{output}: {len(result.written)} sản phẩm, {result.rows} dòng.")
    for product_id, findings in result.left_out.items():
        click.echo(f"Để ra ngoài sản phẩm {product_id}: "
                   + " ".join(str(finding.message) for finding in findings))


def _template(platform: str, path: Path | None) -> bytes | None:
    if path is None:
        return None
    try:
        if path.stat().st_size > TEMPLATE_MAX_BYTES:
            raise click.BadParameter(
                f"{path}: quá {TEMPLATE_MAX_BYTES // 1024 // 1024} MB.", param_hint="--template")
        template = path.read_bytes()
    except OSError as error:
        raise click.BadParameter(f"{path}: không đọc được ({error.strerror}).",
                                 param_hint="--template") from None
    try:
        check_template(platform, template)
    except DomainError as error:
        raise click.BadParameter(f"{path}: {error}", param_hint="--template") from None
    return template
