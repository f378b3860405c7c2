"""Recording jobs and running one (claim, progress, done or failed); tasks write their output
whole or not at all with files.atomic_output. No Flask here: jobs.runner decides where a job
runs."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from db import utcnow
from domain_errors import N_, DomainError, Message
from jobs.models import Job, JobStatus

log = logging.getLogger(__name__)


# A running job that has not reported for this long lost the process running it (an RQ worker
# killed, a web process restarted under its thread) and is shown as failed. Tasks report progress
# far more often: a placard run every 250 placards, a few seconds.
ABANDONED_AFTER = dt.timedelta(minutes=10)
ABANDONED_MESSAGE = N_("Việc đã dừng giữa chừng: máy chạy việc không báo tiến độ hơn 10 phút "
                       "(có thể đã bị tắt). Hãy làm lại từ đầu.")


@dataclass(frozen=True)
class JobContext:
    """What a task gets: the database session, the job's parameters, the folder its output goes
    in, and progress(done, total) to report how far it got (committed at once, so any process
    showing the job sees it; a task silent for ABANDONED_AFTER is taken for dead)."""

    job_id: int
    session: Session
    params: dict
    output_dir: Path
    progress: Callable[[int, int | None], None]


Task = Callable[[JobContext], str]  # returns the name of the file it wrote in output_dir


def create_job(session: Session, kind: str, params: dict, *, created_by: int | None = None) -> Job:
    job = Job(
        kind=kind, params=params, status=JobStatus.QUEUED, created_by=created_by, progress_done=0
    )
    session.add(job)
    session.flush()
    return job


def get_job(session: Session, job_id: int, *, created_by: int | None = None) -> Job | None:
    """The job, if `created_by` is None (an administrator) or it is theirs."""
    fail_abandoned_jobs(session)
    stmt = select(Job).where(Job.id == job_id)
    if created_by is not None:
        stmt = stmt.where(Job.created_by == created_by)
    return session.scalar(stmt)


def recent_jobs(session: Session, *, created_by: int | None = None, kind: str | None = None,
                limit: int = 10) -> list[Job]:
    """The latest jobs, of `created_by` and of `kind` when given."""
    fail_abandoned_jobs(session)
    stmt = select(Job).order_by(Job.created_at.desc(), Job.id.desc()).limit(limit)
    if created_by is not None:
        stmt = stmt.where(Job.created_by == created_by)
    if kind is not None:
        stmt = stmt.where(Job.kind == kind)
    return list(session.scalars(stmt))


def fail_job(session: Session, job_id: int, message: Message) -> None:
    session.execute(
        update(Job)
        .where(Job.id == job_id)
        .values(status=JobStatus.FAILED, error=message.msgid, error_params=message.params or None,
                finished_at=utcnow())
    )
    session.commit()


def fail_abandoned_jobs(session: Session, now: dt.datetime | None = None) -> int:
    """Record as failed the running jobs whose process has stopped reporting, so their pages
    stop waiting and say so; how many there were. (Should one report again after all, its end
    is recorded as usual.)"""
    silent_since = (now or utcnow()) - ABANDONED_AFTER
    abandoned = (Job.status == JobStatus.RUNNING, Job.heartbeat_at < silent_since)
    # Looked for before any UPDATE: an UPDATE takes SQLite's one write lock even when it changes
    # nothing, and a job holding a long transaction (an import) would keep every page showing a
    # job waiting for it.
    if session.scalar(select(Job.id).where(*abandoned).limit(1)) is None:
        return 0
    failed = session.execute(
        update(Job)
        .where(*abandoned)
        .values(status=JobStatus.FAILED, error=ABANDONED_MESSAGE.msgid, error_params=None,
                finished_at=utcnow())
    ).rowcount
    if failed:
        log.warning("%s job(s) stopped reporting and are recorded as failed", failed)
        session.commit()
    return failed


def record_progress(session: Session, job_id: int, done: int, total: int | None) -> None:
    """Record how far a job got, and that its process is alive; committed at once."""
    session.execute(
        update(Job).where(Job.id == job_id)
        .values(progress_done=done, progress_total=total, heartbeat_at=utcnow())
    )
    session.commit()


def progress_beside_transaction(context: JobContext) -> Callable[[int, int | None], None] | None:
    """progress(done, total) for a task that keeps one transaction open across its work (an
    all-or-nothing import): each report is written and committed on a connection of its own,
    leaving the task's transaction alone (context.progress would commit it). None on SQLite,
    which has one writer at a time: the task's transaction holds it to the end, and a report
    would wait for it; such a task reports before and after its transaction only."""
    engine = context.session.get_bind()
    if engine.dialect.name == "sqlite":
        return None

    def progress(done: int, total: int | None) -> None:
        with Session(engine) as apart:
            record_progress(apart, context.job_id, done, total)

    return progress


def run_job(
    session: Session, job_id: int, output_dir: Path, tasks: dict[str, Task]
) -> JobStatus | None:
    """Run a queued job to its end; returns its final status, or None if it was not queued
    (already taken by another worker, or unknown)."""
    # Claimed with one UPDATE, so two workers handed the same job cannot both run it.
    claimed = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == JobStatus.QUEUED)
        .values(status=JobStatus.RUNNING, started_at=utcnow(), heartbeat_at=utcnow())
    ).rowcount
    session.commit()
    if not claimed:
        return None
    kind, params = session.execute(select(Job.kind, Job.params).where(Job.id == job_id)).one()

    def progress(done: int, total: int | None) -> None:
        record_progress(session, job_id, done, total)

    output_dir.mkdir(parents=True, exist_ok=True)
    try:
        task = tasks[kind]
        name = task(JobContext(job_id, session, dict(params), output_dir, progress))
    except Exception as error:  # a task's failure is the job's, recorded for the person who asked
        session.rollback()
        log.exception("Job %s (%s) failed", job_id, kind)
        # A refusal (DomainError) is said as it is, in Vietnamese; anything else names its type.
        if isinstance(error, DomainError) and error.message is not None:
            reason = error.message
        else:
            detail = f"{type(error).__name__}: {error}"[:500]
            reason = N_("Lần in gặp sự cố ngoài dự kiến (%(detail)s). Hãy thử lại; nếu vẫn lỗi, "
                        "báo quản trị viên.", detail=detail)
        fail_job(session, job_id, reason)
        return JobStatus.FAILED
    session.execute(
        update(Job)
        .where(Job.id == job_id)
        .values(status=JobStatus.DONE, output_name=name, finished_at=utcnow())
    )
    session.commit()
    return JobStatus.DONE

