"""The vendor list import as two jobs on the job queue (jobs.runner): the uploaded file kept in
the database (vendors.models.ImportUpload), checked row by row by one job, then imported all at
once by another, each reporting the rows done; vendors/import_routes.py starts and shows them."""
from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from accounts.models import User
from accounts.permissions import job_owner_filter
from audit.service import record, vendor_province, ward_province
from db import utcnow
from domain_errors import N_, Conflict, DomainError, Invalid
from jobs.models import Job, JobStatus
from jobs.service import JobContext, progress_beside_transaction
from market.models import Market
from uploads import KEPT_AT_MOST
from vendors.bulk_import import ImportReport, check_import_market, commit_import, plan_import
from vendors.import_file import read_sheet
from vendors.models import ImportUpload

CHECK_JOB = "vendor_import_check"
COMMIT_JOB = "vendor_import_commit"
# An upload not imported within a day is deleted when the next one is made, or by `flask vendors
# purge-uploads`; an imported one's file is dropped by the commit that imports it.
UPLOAD_MAX_AGE = KEPT_AT_MOST
# The errors and warnings a report keeps listed, for its page; the others are counted.
ISSUES_KEPT = 500

UPLOAD_GONE = N_("Không còn tệp đã kiểm tra (đã nhập rồi, hoặc quá một ngày). Tải tệp lên lại.")


def keep_upload(session: Session, actor: User, data: bytes, filename: str,
                market_id: int | None) -> ImportUpload:
    """Keep an uploaded vendor list for the check job, once the user may import it into that
    market and the file reads as a vendor list; uploads over a day old are deleted first.

    The file is read here, in the request, so that what cannot be imported at all (not a
    spreadsheet, no header row, more than MAX_ROWS rows) is refused at once and never kept:
    reading 5,000 rows takes about a second; checking them against the database, the long
    part, is the job's. Raises what check_import_market and read_sheet raise."""
    check_import_market(session, actor, market_id)
    read_sheet(data)
    delete_stale_uploads(session)
    upload = ImportUpload(uploaded_by=actor.id, filename=filename[:200], market_id=market_id,
                          size=len(data), sha256=hashlib.sha256(data).hexdigest(), data=data)
    session.add(upload)
    session.flush()
    return upload


def delete_stale_uploads(session: Session, now: dt.datetime | None = None) -> int:
    """Delete the uploads made more than UPLOAD_MAX_AGE ago, imported or not; how many."""
    too_old = (now or utcnow()) - UPLOAD_MAX_AGE
    return session.execute(delete(ImportUpload).where(ImportUpload.uploaded_at < too_old)).rowcount


def import_upload(session: Session, actor: User, upload_id) -> ImportUpload | None:
    """The upload, if `actor` made it or sees everyone's jobs (an administrator)."""
    if not isinstance(upload_id, int):
        return None
    stmt = select(ImportUpload).where(ImportUpload.id == upload_id)
    owner = job_owner_filter(actor)
    if owner is not None:
        stmt = stmt.where(ImportUpload.uploaded_by == owner)
    return session.scalar(stmt)


def check_report(upload: ImportUpload | None) -> ImportReport | None:
    return ImportReport.from_record(upload.check_report) if upload and upload.check_report else None


def commit_report(upload: ImportUpload | None) -> ImportReport | None:
    return (ImportReport.from_record(upload.commit_report)
            if upload and upload.commit_report else None)


def commit_to_follow(session: Session, upload: ImportUpload | None) -> int | None:
    """The job importing `upload` to show rather than starting another (queued, running or
    done), or None when a commit job may start. Conflict when the upload cannot be imported:
    gone (imported, refused at its commit, or over a day old), not checked yet, or checked with
    errors."""
    if upload is None:
        raise Conflict(UPLOAD_GONE)
    if upload.commit_job_id is not None:
        status = session.scalar(select(Job.status).where(Job.id == upload.commit_job_id))
        if status is not None and status is not JobStatus.FAILED:
            return upload.commit_job_id
    if not upload.awaiting_import:
        raise Conflict(UPLOAD_GONE)
    if upload.check_report is None:
        raise Conflict(N_("Tệp chưa kiểm tra xong: đợi có kết quả kiểm tra rồi nhập."))
    if upload.check_report["refused_rows"]:
        raise Conflict(N_("Tệp có dòng lỗi: sửa các dòng đó trong tệp rồi tải lên lại."))
    return None


def run_check_job(context: JobContext) -> None:
    """jobs task CHECK_JOB: params {"upload_id"}. Checks every row of the kept upload as its
    uploader (plan_import, which writes nothing) and keeps the report on the upload."""
    session = context.session
    try:
        upload = session.get(ImportUpload, context.params["upload_id"])
        if upload is None or not upload.awaiting_import:
            raise Invalid(UPLOAD_GONE)
        actor = _active_user(session, upload.uploaded_by)
        sheet = read_sheet(upload.data)
        context.progress(0, len(sheet.rows))
        report = plan_import(session, actor, sheet, upload.market_id,
                             progress=progress_beside_transaction(context))
        # Nothing of the dry run may outlive it: its savepoint is rolled back, and so is the
        # transaction around it.
        session.rollback()
        upload = session.get(ImportUpload, context.params["upload_id"])
        if upload is None:
            raise Invalid(UPLOAD_GONE)
        upload.check_report = report.as_record(ISSUES_KEPT)
        session.commit()
        context.progress(report.rows, report.rows)
    except DomainError:
        raise
    except Exception as error:
        raise _unexpected(error) from error


def run_commit_job(context: JobContext) -> None:
    """jobs task COMMIT_JOB: params {"upload_id", "user_id"}. Checks every row of the kept
    upload again and registers them all as the user, or none if one is refused; either way the
    file is then dropped. Run twice (a retry, a restarted worker), it registers nobody twice:
    the upload is marked imported in the transaction that registers its rows, and a run that
    finds it marked does nothing."""
    session = context.session
    upload_id = context.params["upload_id"]
    try:
        actor = _active_user(session, context.params["user_id"])
        upload = session.get(ImportUpload, upload_id)
        if upload is None or not upload.awaiting_import:
            if upload is not None and upload.committed_at is not None:
                return  # an earlier run imported it: its page says how many
            raise Invalid(UPLOAD_GONE)
        sheet = read_sheet(upload.data)
        context.progress(0, len(sheet.rows))
        # Claimed first, in the transaction that registers the rows: a second run waits here
        # for this one's commit (PostgreSQL's row lock; SQLite's one writer) and then finds
        # the upload imported; a failed run rolls the claim back with the rows.
        claimed = session.execute(
            update(ImportUpload)
            .where(ImportUpload.id == upload_id, ImportUpload.committed_at.is_(None),
                   ImportUpload.commit_report.is_(None))
            .values(committed_at=utcnow(), commit_job_id=context.job_id)
        ).rowcount
        if not claimed:
            session.rollback()
            if session.scalar(select(ImportUpload.committed_at)
                              .where(ImportUpload.id == upload_id)) is not None:
                return
            raise Invalid(UPLOAD_GONE)
        report = commit_import(session, actor, sheet, upload.market_id,
                               progress=progress_beside_transaction(context))
        if not report.committed:
            # Someone registered one of these vendors since the check: nothing was written.
            session.rollback()
        upload = session.get(ImportUpload, upload_id)
        upload.data = None
        upload.commit_report = report.as_record(ISSUES_KEPT)
        if report.committed:
            upload.vendors_registered = len(report.vendor_ids)
            _log_commit(session, actor, upload, report.vendor_ids)
        session.commit()
        context.progress(report.rows, report.rows)
    except DomainError:
        raise
    except Exception as error:
        raise _unexpected(error) from error


def _log_commit(session: Session, actor: User, upload: ImportUpload,
                vendor_ids: list[int]) -> None:
    """The import as one entry (each vendor it registered has its own, from the registration),
    read in the province of its market, else of the first vendor it registered."""
    market = session.get(Market, upload.market_id) if upload.market_id else None
    province_code = (ward_province(session, market.ward_code) if market is not None
                     else vendor_province(session, vendor_ids[0]) if vendor_ids else None)
    record(session, actor.id, "vendor_import.commit", "vendor_import", upload.id,
           province_code=province_code,
           after={"filename": upload.filename, "market_id": upload.market_id,
                  "vendors_registered": len(vendor_ids)})


def _active_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None or not user.active:
        raise Invalid(N_("Tài khoản nhập danh sách không còn hoạt động."))
    return user


def _unexpected(error: Exception) -> Invalid:
    # Said as the import's failure, not the job runner's generic one.
    detail = f"{type(error).__name__}: {error}"[:500]
    return Invalid(N_("Nhập danh sách gặp sự cố ngoài dự kiến (%(detail)s). Hãy thử lại; nếu "
                      "vẫn lỗi, báo quản trị viên.", detail=detail))
