"""The background job that exports a catalogue (a cooperative's, or a province's for its
exchange): registered as the "catalog_export" kind of job in app.py."""
from __future__ import annotations

from pathlib import Path

from accounts.models import User
from catalog_export.exports import export_catalog
from catalog_export.models import CatalogExport
from domain_errors import N_, DomainError, Invalid
from jobs.service import JobContext

JOB_KIND = "catalog_export"


def run_catalog_export_job(context: JobContext) -> str:
    """jobs task "catalog_export": params {"export_id", "platform", "vendor_id" (None: the
    province), "with_images_zip", "template" (a file in the jobs folder, or None),
    "public_base_url", "images_folder"}. Fills in the CatalogExport row new_export made."""
    params, session = context.params, context.session
    template_path = context.output_dir / params["template"] if params.get("template") else None
    try:
        record = session.get(CatalogExport, params["export_id"])
        user = session.get(User, record.created_by) if record and record.created_by else None
        if record is None or user is None or not user.active:
            raise Invalid(N_("Lần xuất danh mục không còn người yêu cầu hoặc đã bị xóa."))
        context.progress(0, None)
        record = export_catalog(
            session, user, params.get("vendor_id"), params["platform"], context.output_dir,
            template=template_path.read_bytes() if template_path else None,
            public_base_url=params.get("public_base_url"),
            with_images_zip=bool(params.get("with_images_zip")),
            images_folder=Path(params["images_folder"]) if params.get("images_folder") else None,
            record=record, progress=context.progress)
        session.commit()
        return record.output_name
    except DomainError:
        raise
    except Exception as error:  # said as the catalogue's failure, not the runner's generic one
        detail = f"{type(error).__name__}: {error}"[:500]
        raise Invalid(N_("Xuất danh mục gặp sự cố ngoài dự kiến (%(detail)s). Hãy thử lại; nếu "
                         "vẫn lỗi, báo quản trị viên.", detail=detail)) from error
    finally:
        if template_path is not None:
            template_path.unlink(missing_ok=True)
