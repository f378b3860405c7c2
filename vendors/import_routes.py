"""Bulk import pages: upload a commune's vendor list, read the row-by-row check, then import it
all at once. The checked file waits under instance/imports/ until it is imported."""
from __future__ import annotations

import io
import re
import secrets
import time
from pathlib import Path

from flask import Blueprint, current_app, render_template, request, send_file, session
from flask_babel import gettext as _
from flask_login import current_user, login_required

from accounts.permissions import REGISTER_VENDORS, market_scope
from db import db
from domain_errors import DomainError
from errors import translate
from market.service import search_markets
from vendors.bulk_import import commit_import, plan_import
from vendors.import_file import MAX_ROWS, read_sheet, template_workbook

bp = Blueprint("vendor_import", __name__, url_prefix="/vendors/import")

# secrets.token_urlsafe(16) gives 22 characters of this alphabet.
UPLOAD_ID = re.compile(r"[A-Za-z0-9_\-]{22}")
# A checked file not imported within a day is deleted at the next upload.
UPLOAD_MAX_AGE_SECONDS = 24 * 3600
# The uploads this browser session checked: only they can be imported from it.
SESSION_KEY = "vendor_import_uploads"
ERRORS_SHOWN = 500
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _markets():
    return search_markets(db.session, market_scope(current_user), "", limit=1000)


def _render(status: int = 200, **context):
    markets = _markets()
    context.setdefault("market_id", markets[0].id if len(markets) == 1 else None)
    return render_template(
        "vendors/import.html", markets=markets, max_rows=MAX_ROWS, errors_shown=ERRORS_SHOWN,
        **context,
    ), status


def _refused(error: DomainError, market_id: int | None, filename: str):
    """The page again, saying why the file or the request was refused."""
    db.session.rollback()
    return _render(error.status, market_id=market_id, filename=filename,
                   file_error=" ".join(translate(message) for message in error.messages()))


def _market_id(form) -> int | None:
    value = (form.get("market_id") or "").strip()
    return int(value) if value.isdigit() else None


def _upload_dir() -> Path:
    directory = Path(current_app.config.get("VENDOR_IMPORT_DIR")
                     or Path(current_app.instance_path) / "imports")
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def _keep_upload(data: bytes) -> str:
    directory = _upload_dir()
    too_old = time.time() - UPLOAD_MAX_AGE_SECONDS
    for stale in directory.glob("*.bin"):
        if stale.stat().st_mtime < too_old:
            stale.unlink(missing_ok=True)
    upload_id = secrets.token_urlsafe(16)
    (directory / f"{upload_id}.bin").write_bytes(data)
    session[SESSION_KEY] = (session.get(SESSION_KEY, []) + [upload_id])[-5:]
    return upload_id


def _kept_upload(upload_id: str) -> Path | None:
    if not UPLOAD_ID.fullmatch(upload_id or "") or upload_id not in session.get(SESSION_KEY, []):
        return None
    path = _upload_dir() / f"{upload_id}.bin"
    return path if path.exists() else None


def _forget_upload(upload_id: str, path: Path) -> None:
    path.unlink(missing_ok=True)
    session[SESSION_KEY] = [u for u in session.get(SESSION_KEY, []) if u != upload_id]


@bp.get("")
@login_required
def upload():
    REGISTER_VENDORS.check(current_user)
    return _render()


@bp.post("")
@login_required
def check():
    """The dry run: read the file, check every row, write nothing."""
    REGISTER_VENDORS.check(current_user)
    market_id = _market_id(request.form)
    file = request.files.get("file")
    data = file.read() if file else b""
    filename = (file.filename or "")[:200] if file else ""
    if not filename and not data:
        return _render(422, market_id=market_id,
                       file_error=_("Chọn tệp danh sách (.xlsx hoặc .csv) để tải lên."))
    try:
        sheet = read_sheet(data)
        report = plan_import(db.session, current_user, sheet, market_id)
    except DomainError as error:
        return _refused(error, market_id, filename)
    upload_id = _keep_upload(data) if not report.errors else None
    return _render(market_id=market_id, filename=filename, report=report, upload_id=upload_id)


@bp.post("/commit")
@login_required
def commit():
    """Check the kept file again and import every row, or none."""
    REGISTER_VENDORS.check(current_user)
    market_id = _market_id(request.form)
    filename = request.form.get("filename", "")[:200]
    upload_id = request.form.get("upload", "")
    path = _kept_upload(upload_id)
    if path is None:
        return _render(400, market_id=market_id, file_error=_(
            "Không còn tệp đã kiểm tra (đã nhập rồi, hoặc quá một ngày). Tải tệp lên lại."))
    try:
        report = commit_import(db.session, current_user, read_sheet(path.read_bytes()), market_id)
    except DomainError as error:
        return _refused(error, market_id, filename)
    if not report.committed:
        # Someone registered one of these vendors since the check: nothing was written.
        db.session.rollback()
        _forget_upload(upload_id, path)
        return _render(422, market_id=market_id, filename=filename, report=report)
    db.session.commit()
    _forget_upload(upload_id, path)
    return _render(market_id=market_id, filename=filename, report=report, done=True)


@bp.get("/template.xlsx")
@login_required
def template():
    REGISTER_VENDORS.check(current_user)
    return send_file(io.BytesIO(template_workbook()), mimetype=XLSX_TYPE, as_attachment=True,
                     download_name="mau-danh-sach-tieu-thuong.xlsx", max_age=0)
