"""Bulk import pages: upload a commune's vendor list, follow the job checking it row by row,
then the job importing it all at once (vendors.import_jobs). The file waits in the database, so
any web process shows the jobs and any worker runs them."""
from __future__ import annotations

import io

from flask import Blueprint, abort, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from accounts.permissions import REGISTER_VENDORS, job_owner_filter, market_scope
from db import db
from domain_errors import DomainError
from errors import translate
from input_hygiene import record_id
from jobs.runner import enqueue, job_page
from jobs.service import get_job
from market.service import search_markets
from uploads import limits, read_stream
from vendors.import_file import MAX_ROWS
from vendors.import_jobs import (
    CHECK_JOB,
    COMMIT_JOB,
    ISSUES_KEPT,
    check_report,
    commit_report,
    commit_to_follow,
    import_upload,
    keep_upload,
)
from vendors.import_template import template_workbook

bp = Blueprint("vendor_import", __name__, url_prefix="/vendors/import")

ERRORS_SHOWN = ISSUES_KEPT
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _markets():
    return search_markets(db.session, market_scope(current_user), "", limit=1000)


def _render(status: int = 200, **context):
    markets = _markets()
    context.setdefault("market_id", markets[0].id if len(markets) == 1 else None)
    return render_template(
        "vendors/import.html", markets=markets, max_rows=MAX_ROWS, **context,
    ), status


def _refused(error: DomainError, market_id: int | None, filename: str):
    """The upload page again, saying why the file or the request was refused."""
    db.session.rollback()
    return _render(error.status, market_id=market_id, filename=filename,
                   file_error=" ".join(translate(message) for message in error.messages()))


def _market_id(form) -> int | None:
    return record_id(form.get("market_id"))


def _import_job_or_404(job_id: int, *kinds: str):
    """The import job, if the user started it (or sees everyone's) and it is of one of `kinds`."""
    found = get_job(db.session, job_id, created_by=job_owner_filter(current_user))
    if found is None or found.kind not in kinds:
        abort(404)
    return found


@bp.get("")
@login_required
def upload():
    REGISTER_VENDORS.check(current_user)
    return _render()


@bp.post("")
@login_required
def check():
    """Keep the file in the database and start the job checking every row (writing nothing)."""
    REGISTER_VENDORS.check(current_user)
    market_id = _market_id(request.form)
    file = request.files.get("file")
    filename = (file.filename or "")[:200] if file else ""
    try:
        data = read_stream(file.stream, limits().spreadsheet_max_bytes) if file else b""
        if not filename and not data:
            return _render(422, market_id=market_id,
                           file_error=_("Chọn tệp danh sách (.xlsx hoặc .csv) để tải lên."))
        kept = keep_upload(db.session, current_user, data, filename, market_id)
    except DomainError as error:
        return _refused(error, market_id, filename)
    # The upload and its job are committed together.
    job = enqueue(CHECK_JOB, {"upload_id": kept.id}, created_by=current_user.id)
    return redirect(url_for("vendor_import.job", job_id=job.id), code=303)


@bp.get("/jobs/<int:job_id>")
@login_required
def job(job_id: int):
    """A check or commit job: its progress until it is over, then the row-by-row result (and
    the button importing a file without errors), or how many vendors were registered."""
    REGISTER_VENDORS.check(current_user)
    found = _import_job_or_404(job_id, CHECK_JOB, COMMIT_JOB)
    kept = import_upload(db.session, current_user, found.params.get("upload_id"))
    checking = found.kind == CHECK_JOB
    follow = None
    if checking and kept is not None and kept.commit_job_id is not None:
        follow = kept.commit_job_id
    return job_page(
        "vendors/import_job.html", found, upload=kept, checking=checking,
        report=check_report(kept) if checking else commit_report(kept),
        check_job_id=found.id if checking else found.params.get("check_job_id"),
        commit_job_id=follow, errors_shown=ERRORS_SHOWN,
    )


@bp.post("/jobs/<int:job_id>/commit")
@login_required
def commit(job_id: int):
    """Start the job importing the file the check job `job_id` found without errors; a commit
    job already queued, running or done for it is shown instead of starting another."""
    REGISTER_VENDORS.check(current_user)
    checked = _import_job_or_404(job_id, CHECK_JOB)
    kept = import_upload(db.session, current_user, checked.params.get("upload_id"))
    try:
        under_way = commit_to_follow(db.session, kept)
    except DomainError as error:
        return _refused(error, kept.market_id if kept else None, kept.filename if kept else "")
    if under_way is None:
        under_way = enqueue(
            COMMIT_JOB,
            {"upload_id": kept.id, "user_id": current_user.id, "check_job_id": checked.id},
            created_by=current_user.id,
            recorded=lambda new: setattr(kept, "commit_job_id", new.id),
        ).id
    return redirect(url_for("vendor_import.job", job_id=under_way), code=303)


@bp.get("/template.xlsx")
@login_required
def template():
    REGISTER_VENDORS.check(current_user)
    return send_file(io.BytesIO(template_workbook()), mimetype=XLSX_TYPE, as_attachment=True,
                     download_name="mau-danh-sach-tieu-thuong.xlsx", max_age=0)
