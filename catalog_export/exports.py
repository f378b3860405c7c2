"""Exporting a catalogue for a platform: the file of a vendor's products on sale (or of every
vendor in a province, for its exchange), written whole or not at all, an optional ZIP of the
photos prepared as the platform asks, and a CatalogExport row saying who, when, what was written
and what was left out and why.

No Flask: pages, the API, the job and the command line call this with a session and plain values.
"""
from __future__ import annotations

import datetime as dt
import io
import logging
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, selectinload

from accounts.models import User
from accounts.permissions import (
    EXPORT_CATALOGUE,
    EXPORT_PROVINCE_CATALOGUE,
    job_owner_filter,
    vendor_scope,
)
from catalog_export import canonical, image_store
from catalog_export.export_rows import (
    active_products,
    canonical_product,
    public_image_url,
    stored_image,
    stored_images,
)
from catalog_export.exporters import EXPORTERS, google, meta, shopee, shopify, woocommerce
from catalog_export.exporters.base import Exporter, ExportResult, Finding, Limits
from catalog_export.images import ImageRefused, prepare_platform_image
from catalog_export.models import CatalogExport, Product, ProductImage, ProductStatus
from domain_errors import N_, Invalid, Message, NotFound
from files import atomic_output
from jobs.models import Job
from jobs.service import fail_abandoned_jobs
from market.models import Province
from textnorm import search_key, to_ascii
from vendors.models import Vendor

log = logging.getLogger(__name__)

# Marketplaces show products as square tiles and crop or pad what is not square themselves; their
# seller guides ask for 1:1 photos (ecommerce-formats.md states sizes, not shapes: this is cho40's
# choice). Feeds and shops (Google, Meta, Shopify, WooCommerce) show photos as they are.
SQUARE_PLATFORMS = frozenset({"shopee", "lazada", "tiktok", "tiki", "sendo"})
# The exporters that fill in a template the seller downloaded from the platform.
TEMPLATE_PLATFORMS = frozenset({"shopee"})
TEMPLATE_MAX_BYTES = shopee.TEMPLATE_MAX_BYTES
# A province's catalogue in one file: an exchange takes thousands of rows, and one job writes it
# in a few minutes (images included). Past this, export vendor by vendor.
PROVINCE_EXPORT_MAX_PRODUCTS = 5_000
IMAGES_ZIP_SUFFIX = "-anh.zip"

# The limits of the exporters that keep them as module data rather than an attribute.
_MODULE_LIMITS: dict[str, Limits] = {
    "google": google.LIMITS, "google_xml": google.LIMITS, "meta": meta.LIMITS,
    "shopify": shopify.LIMITS, "woocommerce": woocommerce.LIMITS,
}

Progress = Callable[[int, int | None], None]


def exporter_for(platform: str) -> Exporter:
    exporter = EXPORTERS.get(platform)
    if exporter is None:
        raise Invalid(fields={"platform": N_(
            "Không có nền tảng «%(platform)s». Chọn một trong: %(names)s.",
            platform=platform, names=", ".join(EXPORTERS))})
    return exporter


def limits_of(exporter: Exporter) -> Limits | None:
    return getattr(exporter, "limits", None) or _MODULE_LIMITS.get(exporter.name)


# --- Who exports what -------------------------------------------------------------------------
# EXPORT_CATALOGUE: every role, for the vendors it sees; a province's catalogue in one file is for
# the staff who supply its exchange (EXPORT_PROVINCE_CATALOGUE).


def exportable_vendor(session: Session, user: User | None, vendor_id: int) -> Vendor:
    """The vendor, if the user sees it (None: the command line, which sees every vendor)."""
    stmt = select(Vendor).where(Vendor.id == vendor_id)
    if user is not None:
        EXPORT_CATALOGUE.check(user)
        stmt = stmt.where(vendor_scope(user))
    vendor = session.scalar(stmt)
    if vendor is None:
        raise NotFound(N_("Không tìm thấy tiểu thương hoặc hợp tác xã này trong địa bàn của bạn."))
    return vendor


def province_vendor_ids(session: Session, user: User) -> list[int]:
    """The vendors of the user's area with products on sale, within the province export's bound."""
    EXPORT_PROVINCE_CATALOGUE.check(user)
    on_sale = exists().where(Product.vendor_id == Vendor.id,
                             Product.status == ProductStatus.ACTIVE)
    ids = list(session.scalars(select(Vendor.id).where(vendor_scope(user), on_sale)
                               .order_by(Vendor.id)))
    if not ids:
        raise Invalid(N_("Chưa có sản phẩm nào đang bán trong địa bàn của bạn."))
    count = session.scalar(select(func.count()).select_from(Product).where(
        Product.vendor_id.in_(ids), Product.status == ProductStatus.ACTIVE))
    if count > PROVINCE_EXPORT_MAX_PRODUCTS:
        raise Invalid(N_(
            "Địa bàn có %(count)s sản phẩm đang bán, quá %(max)s sản phẩm của một lần xuất: hãy "
            "xuất theo từng hợp tác xã.", count=count, max=PROVINCE_EXPORT_MAX_PRODUCTS))
    return ids


def area_name(session: Session, user: User) -> str:
    """What a province export is named after: the user's province, or the whole country."""
    if user.province_code:
        name = session.scalar(select(Province.name).where(Province.code == user.province_code))
        if name:
            return name
    return "Toàn quốc"


# --- Templates --------------------------------------------------------------------------------


def check_template(platform: str, template: bytes | None) -> None:
    """Refuse, before anything is recorded or queued, a template the export could not fill: for
    a platform that takes none, or (the exporter's TemplateError, a 4xx) one it cannot read."""
    if template is None:
        return
    _template_taken(platform)
    exporter_for(platform).write([], io.BytesIO(), template=template)


def _template_taken(platform: str) -> None:
    if platform not in TEMPLATE_PLATFORMS:
        raise Invalid(fields={"template": N_(
            "Chỉ xuất cho Shopee mới dùng tệp mẫu; bỏ tệp mẫu hoặc chọn Shopee.")})


# --- Writing ----------------------------------------------------------------------------------


def file_slug(text: str) -> str:
    """Text as ASCII words joined by hyphens, for a file name: "HTX Chè Tân Cương" ->
    "htx-che-tan-cuong"."""
    return "-".join(re.findall(r"[a-z0-9]+", search_key(text))) or "danh-muc"


def download_name(platform: str, title: str, day: dt.date, extension: str) -> str:
    return f"{platform}-{file_slug(title)}-{day.isoformat()}.{extension}"


def images_zip_name(file_name: str) -> str:
    """The images ZIP beside an export file: "shopee-htx-2026-12-03-anh.zip"."""
    return file_name.rsplit(".", 1)[0] + IMAGES_ZIP_SUFFIX


def zip_image_name(sku: str, position: int) -> str:
    """A photo's name in the ZIP: the product's SKU in ASCII and its place, from 1."""
    safe = re.sub(r"[^A-Za-z0-9_-]+", "-", to_ascii(sku)).strip("-") or "SP"
    return f"{safe}-{position}.jpg"


def write_export(session: Session, vendor_ids: list[int], exporter: Exporter, out: BinaryIO, *,
                 template: bytes | None, public_base_url: str | None,
                 images_zip: BinaryIO | None, images_folder: Path | None,
                 progress: Progress | None = None) -> ExportResult:
    """Write the file of the vendors' products on sale into `out` and, with `images_zip`, their
    photos prepared for the platform into it.

    The image the file points at is the one the platform's rules are checked on: with a public
    base URL the stored photo at its address (the ZIP is then a copy to upload by hand, named
    by SKU); without one, the prepared copy in the ZIP, the file naming it ("TCH-001-1.jpg")
    for the seller to upload with it."""
    products = active_products(session, vendor_ids)
    report = progress or (lambda done, total: None)
    if images_zip is None:
        canonical_products = [canonical_product(product, stored_images(product, public_base_url),
                                                public_base_url) for product in products]
    else:
        total = sum(len(product.images) for product in products) + 1
        report(0, total)
        done = 0
        canonical_products = []
        used: set[str] = set()
        with zipfile.ZipFile(images_zip, "w", compression=zipfile.ZIP_STORED) as archive:
            for product in products:
                images = []
                for position, row in enumerate(product.images, start=1):
                    images.append(_zipped_image(archive, product, row, position, exporter,
                                                public_base_url, images_folder, used))
                    done += 1
                    report(done, total)
                canonical_products.append(canonical_product(product, tuple(images),
                                                            public_base_url))
    return exporter.write(canonical_products, out, template=template)


def _zipped_image(archive: zipfile.ZipFile, product: Product, row: ProductImage, position: int,
                  exporter: Exporter, public_base_url: str | None,
                  images_folder: Path | None, used: set[str]) -> canonical.Image:
    """The photo prepared for the platform and written into the archive, and the image the file
    points at. A photo missing from the folder, or one the platform's sizes cannot be met for,
    stays as stored and out of the ZIP: the platform's rules then judge the stored photo."""
    stored = stored_image(row, public_base_url)
    path = image_store.path_of(images_folder, row.file_name) if images_folder else None
    if path is None:
        log.warning("Photo %s of product %s is not in the images folder", row.file_name,
                    product.id)
        return stored
    limits = limits_of(exporter)
    try:
        prepared = prepare_platform_image(
            path.read_bytes(), square=exporter.name in SQUARE_PLATFORMS,
            min_side=limits.image_min_side if limits else None,
            max_side=limits.image_max_side if limits else None,
            max_bytes=limits.image_max_bytes if limits else None)
    except ImageRefused as refusal:
        log.warning("Photo %s of product %s not prepared for %s: %s", row.file_name, product.id,
                    exporter.name, refusal)
        return stored
    name = zip_image_name(product.sku, position)
    if name in used:  # two vendors of a province export may use one SKU
        name = zip_image_name(f"{product.sku}-{product.id}", position)
    used.add(name)
    archive.writestr(name, prepared.data)
    if public_base_url:
        return canonical.Image(name=name, width=row.width, height=row.height,
                               bytes=row.byte_size, url=public_image_url(public_base_url,
                                                                         row.file_name))
    return canonical.Image(name=name, width=prepared.width, height=prepared.height,
                           bytes=len(prepared.data), url=name)


def left_out_record(left_out: dict[int, list[Finding]]) -> dict[str, list[dict]]:
    """CatalogExport.left_out: each finding as its field, rule and sentence (msgid and values),
    so the history page says it in the reader's language."""
    return {str(product_id): [{"field": finding.field, "rule": finding.rule,
                               "msgid": finding.message.msgid,
                               "params": _plain(finding.message.params)}
                              for finding in findings]
            for product_id, findings in left_out.items()}


def left_out_messages(record: CatalogExport) -> dict[int, list[Message]]:
    return {int(product_id): [Message(item["msgid"], **(item.get("params") or {}))
                              for item in findings]
            for product_id, findings in (record.left_out or {}).items()}


def _plain(params: dict) -> dict:
    return {name: value if isinstance(value, (int, float, str, bool, type(None))) else str(value)
            for name, value in params.items()}


def new_export(session: Session, user: User | None, vendor_id: int | None, platform: str, *,
               template: bytes | None = None) -> CatalogExport:
    """The history row of an export about to run, once everything that can be checked before
    writing is: the platform, the vendor in the user's area (or the province export's right and
    bound when vendor_id is None), the template."""
    exporter_for(platform)
    if vendor_id is not None:
        exportable_vendor(session, user, vendor_id)
    elif user is None:
        raise Invalid(N_("Cần chọn một tiểu thương hoặc hợp tác xã."))
    else:
        province_vendor_ids(session, user)
    check_template(platform, template)
    record = CatalogExport(vendor_id=vendor_id, platform=platform,
                           created_by=user.id if user else None, left_out={})
    session.add(record)
    session.flush()
    return record


def export_catalog(session: Session, user: User | None, vendor_id: int | None, platform: str,
                   out_folder: Path, *, template: bytes | None, public_base_url: str | None,
                   with_images_zip: bool, images_folder: Path | None = None,
                   record: CatalogExport | None = None,
                   progress: Progress | None = None) -> CatalogExport:
    """Export the vendor's products on sale (vendor_id None: every vendor of the user's area,
    for a province's exchange) into out_folder and record it. Unknown platform, vendor outside
    the area: Invalid, NotFound; a template the exporter cannot read: its TemplateError. On any
    refusal no file is left in out_folder and the session has nothing new to commit.

    `record` is the row new_export made when the export was queued; `images_folder` where the
    photos are stored (image_store.images_dir)."""
    exporter = exporter_for(platform)
    if vendor_id is not None:
        vendor = exportable_vendor(session, user, vendor_id)
        vendor_ids, title = [vendor.id], vendor.name
    elif user is None:
        raise Invalid(N_("Cần chọn một tiểu thương hoặc hợp tác xã."))
    else:
        vendor_ids, title = province_vendor_ids(session, user), area_name(session, user)
    if template is not None:
        _template_taken(platform)  # the exporter itself refuses a template it cannot read
    if record is None:
        record = CatalogExport(vendor_id=vendor_id, platform=platform,
                               created_by=user.id if user else None)
        session.add(record)
        session.flush()
    name = download_name(platform, title, dt.date.today(), exporter.file_extension)
    output_name = f"export-{record.id}-{name}"
    zip_path = out_folder / images_zip_name(output_name)
    try:
        with atomic_output(out_folder / output_name) as out:
            if with_images_zip:
                with atomic_output(zip_path) as images_zip:
                    result = write_export(
                        session, vendor_ids, exporter, out, template=template,
                        public_base_url=public_base_url, images_zip=images_zip,
                        images_folder=images_folder, progress=progress)
            else:
                result = write_export(session, vendor_ids, exporter, out, template=template,
                                      public_base_url=public_base_url, images_zip=None,
                                      images_folder=images_folder, progress=progress)
    except BaseException:
        zip_path.unlink(missing_ok=True)
        raise
    record_result(record, result)
    record.output_name, record.download_name = output_name, name
    session.flush()
    return record


def record_result(record: CatalogExport, result: ExportResult) -> None:
    record.products_written = len(result.written)
    record.rows_written = result.rows
    record.left_out = left_out_record(result.left_out)


def images_zip_path(out_folder: Path, record: CatalogExport) -> Path | None:
    """The export's images ZIP, while it is in the folder."""
    if not record.output_name:
        return None
    path = out_folder / images_zip_name(record.output_name)
    return path if path.is_file() else None


def export_download(out_folder: Path, record: CatalogExport, part: str
                    ) -> tuple[Path, str] | None:
    """The file to send for a download of the export's "file" or its "images" ZIP, and the name
    the person gets it under; None while there is none."""
    if part == "images":
        path = images_zip_path(out_folder, record)
        return (path, images_zip_name(record.download_name)) if path else None
    path = export_file_path(out_folder, record)
    return (path, record.download_name) if path else None


def export_file_path(out_folder: Path, record: CatalogExport) -> Path | None:
    """The export's file, while it is in the folder."""
    if not record.output_name:
        return None
    path = out_folder / record.output_name
    return path if path.is_file() else None


# --- The history ------------------------------------------------------------------------------

HISTORY_LENGTH = 50


def get_export(session: Session, user: User, export_id: int) -> CatalogExport:
    """An export the user may see: one of a vendor in their area; a province's, to its author
    and administrators."""
    record = session.get(CatalogExport, export_id)
    if record is not None:
        if record.vendor_id is not None:
            if session.scalar(select(Vendor.id).where(Vendor.id == record.vendor_id,
                                                      vendor_scope(user))) is not None:
                return record
        elif record.created_by == user.id or job_owner_filter(user) is None:
            return record
    raise NotFound(N_("Không tìm thấy lần xuất danh mục này trong địa bàn của bạn."))


def export_history(session: Session, user: User, vendor_id: int | None) -> list[CatalogExport]:
    """The vendor's exports, newest first (vendor_id None: the province exports the user made,
    everyone's for an administrator)."""
    stmt = select(CatalogExport).order_by(CatalogExport.created_at.desc(),
                                          CatalogExport.id.desc()).limit(HISTORY_LENGTH)
    if vendor_id is not None:
        stmt = stmt.where(CatalogExport.vendor_id == exportable_vendor(session, user,
                                                                       vendor_id).id)
    else:
        EXPORT_PROVINCE_CATALOGUE.check(user)
        stmt = stmt.where(CatalogExport.vendor_id.is_(None))
        if job_owner_filter(user) is not None:
            stmt = stmt.where(CatalogExport.created_by == user.id)
    return list(session.scalars(stmt))


def people_named(session: Session, records: list[CatalogExport]) -> dict[int, str]:
    """The full names of the exports' authors, by user id."""
    ids = {record.created_by for record in records if record.created_by is not None}
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.full_name).where(User.id.in_(ids))).all())


def product_names(session: Session, records: list[CatalogExport]) -> dict[int, str]:
    """The names of the products the exports left out, by product id."""
    ids = {int(product_id) for record in records for product_id in (record.left_out or {})}
    if not ids:
        return {}
    return dict(session.execute(select(Product.id, Product.name).where(Product.id.in_(ids))).all())


def jobs_of(session: Session, records: list[CatalogExport]) -> dict[int, Job]:
    ids = {record.job_id for record in records if record.job_id is not None}
    if not ids:
        return {}
    fail_abandoned_jobs(session)
    return {job.id: job for job in session.scalars(select(Job).where(Job.id.in_(ids)))}


def product_for_sale(session: Session, product_id: int) -> Product | None:
    """A product on sale, for its public page; None for a draft, an archived one or no product."""
    return session.scalar(select(Product).options(selectinload(Product.variants),
                                                  selectinload(Product.images),
                                                  selectinload(Product.vendor))
                          .where(Product.id == product_id, Product.status == ProductStatus.ACTIVE))


def image_for_sale(session: Session, file_name: str) -> bool:
    """Whether a stored photo belongs to a product on sale: only those are public (platforms
    fetch them without logging in); a draft's or an archived product's photo is not."""
    return session.scalar(select(ProductImage.id).join(Product).where(
        ProductImage.file_name == file_name, Product.status == ProductStatus.ACTIVE).limit(1)
    ) is not None
