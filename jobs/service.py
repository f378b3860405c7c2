"""Recording jobs and running one (a slot, the claim, progress, done or failed); tasks write
their output whole or not at all with files.atomic_output; the files are removed after their
time. No Flask here: jobs.runner decides where a job runs.

Slots: at most `per_user` jobs of one person and `total` in all are running; the others wait,
queued, and take the next slot in the order they were asked for (claim_slots). The count is the
database's, so every web process and worker agrees: each slot is taken by one UPDATE, alone on
SQLite (one writer) and under a transaction-scoped advisory lock on PostgreSQL. A job given a
slot stays "queued" (its runner set: this process's id, or HANDED_TO_RQ) until its runner starts
it; it holds the slot from then until it ends."""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from db import utcnow
from domain_errors import N_, DomainError, Message, N_plural, TooMany
from jobs.models import Job, JobStatus

log = logging.getLogger(__name__)


# A running job that has not reported for this long lost the process running it (an RQ worker
# killed, a web process restarted under its thread) and is shown as failed. Tasks report progress
# far more often: a placard run every 250 placards, a few seconds.
ABANDONED_AFTER = dt.timedelta(minutes=10)
ABANDONED_MESSAGE = N_("Việc đã dừng giữa chừng: máy chạy việc không báo tiến độ hơn 10 phút "
                       "(có thể đã bị tắt). Hãy làm lại từ đầu.")


RUNNER_GONE_MESSAGE = N_("Việc đã dừng giữa chừng: tiến trình chạy việc đã dừng (có thể máy chủ "
                         "đã khởi động lại). Hãy làm lại từ đầu.")
# Unfinished: what counts against a person's cap of jobs waiting (queued) or running.
UNFINISHED = (JobStatus.QUEUED, JobStatus.RUNNING)
# The runner of a job given a slot and sent to RQ: whichever worker takes it says which it is.
HANDED_TO_RQ = "rq"


def holds_slot(job=Job):
    """A WHERE clause over jobs (or an alias of the table): running, or given a slot and waiting
    for its runner to start it."""
    status, runner = (job.status, job.runner) if job is Job else (job.c.status, job.c.runner)
    return or_(status == JobStatus.RUNNING,
               and_(status == JobStatus.QUEUED, runner.is_not(None)))
# PostgreSQL advisory locks (the two-key form): one for taking slots, one per person for the cap.
SLOTS_LOCK, PERSON_LOCK = 40_401, 40_402
# Recording a job's end is tried this often, each time on a fresh session after the first.
RECORD_ATTEMPTS = 3

_HOST = socket.gethostname()
_BOOT = uuid.uuid4().hex[:12]


def runner_id() -> str:
    """This process, as Job.runner names it: its host, its pid and a mark of this start (a
    process started again may get the pid of the one before)."""
    return f"{_HOST}:{os.getpid()}:{_BOOT}"


def runner_gone(runner: str | None) -> bool:
    """Whether the process `runner` names is known to have stopped: one of this machine whose pid
    is gone, or an earlier start of this very pid. Another machine's is never known here (its
    heartbeat tells)."""
    if not runner:
        return False
    host, _, rest = runner.partition(":")
    pid_text, _, boot = rest.partition(":")
    if host != _HOST or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return boot != _BOOT
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # alive, another user's
        return False
    return False


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


def create_job(session: Session, kind: str, params: dict, *, created_by: int | None = None,
               waiting_cap: int | None = None) -> Job:
    """Record a queued job. With `waiting_cap`, a person who already has that many jobs
    waiting or running is refused (TooMany, 429) and nothing is recorded: the count and the
    new row are one step for every process (PostgreSQL: the person's advisory lock, held to the
    caller's commit; SQLite: its one writer, taken by the INSERT)."""
    if waiting_cap is not None and created_by is not None:
        _lock(session, PERSON_LOCK, created_by)
    job = Job(
        kind=kind, params=params, status=JobStatus.QUEUED, created_by=created_by, progress_done=0
    )
    session.add(job)
    session.flush()
    if waiting_cap is not None and created_by is not None:
        unfinished = session.scalar(select(func.count()).select_from(Job).where(
            Job.created_by == created_by, Job.status.in_(UNFINISHED)))
        if unfinished > waiting_cap:
            session.rollback()
            raise TooMany(N_plural(
                "Bạn đã có %(count)s việc đang chờ hoặc đang chạy, mức tối đa cho một người. "
                "Hãy đợi các việc đó xong rồi bắt đầu việc mới.",
                "Bạn đã có %(count)s việc đang chờ hoặc đang chạy, mức tối đa cho một người. "
                "Hãy đợi các việc đó xong rồi bắt đầu việc mới.", count=waiting_cap),
                code="too_many_jobs")
    return job


def _lock(session: Session, key: int, value: int) -> None:
    """PostgreSQL's advisory lock (key, value), held until the transaction ends; nothing on
    SQLite, whose one writer serialises the statements that follow."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(key, value)))


def claim_slots(session: Session, *, per_user: int, total: int,
                runner: str = HANDED_TO_RQ) -> list[int]:
    """Give free slots to waiting jobs, oldest first, skipping a person who already holds
    `per_user`, while fewer than `total` are held; the ids of the jobs given one (their runner
    set to `runner`, this process or HANDED_TO_RQ), committed one by one.

    `session` must be one of the caller's own with nothing pending: each slot is taken by one
    UPDATE starting its transaction (on SQLite that UPDATE takes the write lock, so the counts
    it reads are the latest; on PostgreSQL the advisory lock does). A job given a slot starts
    when its runner claims it (run_job)."""
    session.commit()
    # Looked for before any UPDATE: one takes SQLite's write lock even when it changes nothing.
    if session.scalar(select(Job.id).where(Job.status == JobStatus.QUEUED,
                                           Job.runner.is_(None)).limit(1)) is None:
        return []
    jobs = Job.__table__
    waiting, mine, everyone = jobs.alias("waiting"), jobs.alias("mine"), jobs.alias("everyone")
    running_of_person = (select(func.count()).select_from(mine)
                         .where(holds_slot(mine), mine.c.created_by == waiting.c.created_by)
                         .scalar_subquery())
    running_in_all = (select(func.count()).select_from(everyone)
                      .where(holds_slot(everyone)).scalar_subquery())
    next_job = (select(waiting.c.id)
                .where(waiting.c.status == JobStatus.QUEUED, waiting.c.runner.is_(None),
                       running_of_person < per_user, running_in_all < total)
                .order_by(waiting.c.id).limit(1).scalar_subquery())
    take = (update(jobs).where(jobs.c.id == next_job, jobs.c.status == JobStatus.QUEUED,
                               jobs.c.runner.is_(None))
            .values(heartbeat_at=utcnow(), runner=runner)
            .returning(jobs.c.id))
    claimed: list[int] = []
    for _ in range(max(total, 0)):
        _lock(session, SLOTS_LOCK, 0)
        job_id = session.execute(take).scalar()
        session.commit()
        if job_id is None:
            break
        claimed.append(job_id)
    return claimed


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


def release_slot(session: Session, job_id: int) -> None:
    """Put a job given a slot but never started back in the queue; committed."""
    session.execute(update(Job).where(Job.id == job_id, Job.status == JobStatus.QUEUED)
                    .values(runner=None))
    session.commit()


def fail_job(session: Session, job_id: int, message: Message) -> None:
    session.execute(
        update(Job)
        .where(Job.id == job_id)
        .values(status=JobStatus.FAILED, error=message.msgid, error_params=message.params or None,
                finished_at=utcnow())
    )
    session.commit()


def record_end(session: Session, job_id: int, *, failure: Message | None = None,
               output_name: str | None = None, attempts: int = RECORD_ATTEMPTS) -> bool:
    """Record that a job ended (failed with `failure`, else done with `output_name`); whether it
    was recorded. Tried on `session` first, then on fresh sessions of its engine: the failure
    being recorded may be the session's own (a lost connection, a broken transaction), and a
    job whose end is not recorded would show "running" until taken for dead."""
    engine = session.get_bind()
    for attempt in range(attempts):
        current = session if attempt == 0 else Session(engine)
        try:
            if failure is not None:
                current.rollback()  # what the task left half done is not the record
                fail_job(current, job_id, failure)
            else:
                current.execute(update(Job).where(Job.id == job_id).values(
                    status=JobStatus.DONE, output_name=output_name, finished_at=utcnow()))
                current.commit()
            return True
        except Exception:
            log.exception("Could not record the end of job %s (attempt %s)", job_id, attempt + 1)
            # What the failed try began must not hold its locks (SQLite's one writer) over the
            # next: rolled back, or its connection dropped.
            try:
                current.rollback()
            except Exception:  # noqa: BLE001 - the connection is gone: dropped below
                current.invalidate()
            time.sleep(0.2 * attempt)
        finally:
            if current is not session:
                current.close()
    return False


def fail_abandoned_jobs(session: Session, now: dt.datetime | None = None) -> int:
    """Record as failed the running jobs whose process has stopped reporting, so their pages
    stop waiting and say so; how many there were. (Should one report again after all, its end
    is recorded as usual.)"""
    silent_since = (now or utcnow()) - ABANDONED_AFTER
    # A job of a process of this machine that has stopped (a web process restarted under its
    # thread) is known at once; any other by its silence.
    gone = [runner for runner in session.scalars(
        select(Job.runner).distinct().where(holds_slot(), Job.runner.like(f"{_HOST}:%")))
            if runner_gone(runner)]
    failed = 0
    if gone:
        failed += session.execute(
            update(Job)
            .where(holds_slot(), Job.runner.in_(gone))
            .values(status=JobStatus.FAILED, error=RUNNER_GONE_MESSAGE.msgid, error_params=None,
                    finished_at=utcnow())
        ).rowcount
    # A job given a slot that no runner has started (RQ's workers all stopped, or too few for
    # JOBS_TOTAL) goes the same way after as long: the slot is given to the next.
    abandoned = (holds_slot(), Job.heartbeat_at < silent_since)
    # Looked for before any UPDATE: an UPDATE takes SQLite's one write lock even when it changes
    # nothing, and a job holding a long transaction (an import) would keep every page showing a
    # job waiting for it.
    if session.scalar(select(Job.id).where(*abandoned).limit(1)) is not None:
        failed += session.execute(
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
    session: Session, job_id: int, output_dir: Path, tasks: dict[str, Task], *,
    runner: str | None = None,
) -> JobStatus | None:
    """Run a queued job to its end: one given a slot (claim_slots), or one run directly (a
    command, a test); returns its final status, or None if it was not queued (already taken by
    another worker, over, or unknown). Its end is always recorded
    (record_end), a failure as the person who asked can read it."""
    # Claimed with one UPDATE, so two workers handed the same job cannot both run it.
    claimed = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == JobStatus.QUEUED)
        .values(status=JobStatus.RUNNING, started_at=utcnow(), heartbeat_at=utcnow(),
                runner=runner or runner_id())
    ).rowcount
    session.commit()
    if not claimed:
        return None
    kind, params = session.execute(select(Job.kind, Job.params).where(Job.id == job_id)).one()

    def progress(done: int, total: int | None) -> None:
        record_progress(session, job_id, done, total)

    try:
        output_dir.mkdir(parents=True, exist_ok=True)
        task = tasks[kind]
        name = task(JobContext(job_id, session, dict(params), output_dir, progress))
    except Exception as error:  # a task's failure is the job's, recorded for the person who asked
        log.exception("Job %s (%s) failed", job_id, kind)
        # A refusal (DomainError) is said as it is, in Vietnamese; anything else names its type.
        if isinstance(error, DomainError) and error.message is not None:
            reason = error.message
        else:
            detail = f"{type(error).__name__}: {error}"[:500]
            reason = N_("Lần in gặp sự cố ngoài dự kiến (%(detail)s). Hãy thử lại; nếu vẫn lỗi, "
                        "báo quản trị viên.", detail=detail)
        record_end(session, job_id, failure=reason)
        return JobStatus.FAILED
    if not record_end(session, job_id, output_name=name):
        return None
    return JobStatus.DONE


# --- Files past their time ------------------------------------------------------------------


def expire_job_files(session: Session, output_dir: Path, max_age: dt.timedelta,
                     now: dt.datetime | None = None) -> int:
    """Remove the files of the jobs that ended more than `max_age` ago, and record on each job
    that its file has expired (its page and download say so); then any other file of the folder
    older than that (a catalogue's photos ZIP, a template whose job never ran, a part left by a
    process killed while writing). How many files were removed; committed."""
    now = now or utcnow()
    cutoff = now - max_age
    removed = 0
    expired = session.execute(
        select(Job.id, Job.output_name)
        .where(Job.output_name.is_not(None), Job.file_expired_at.is_(None),
               Job.finished_at < cutoff)
    ).all()
    for _, name in expired:
        path = output_dir / name
        if path.is_file():
            path.unlink(missing_ok=True)
            removed += 1
    if expired:
        session.execute(update(Job).where(Job.id.in_([job_id for job_id, _ in expired]))
                        .values(file_expired_at=now))
    session.commit()
    if output_dir.is_dir():
        for path in output_dir.iterdir():
            try:
                if path.is_file() and path.stat().st_mtime < cutoff.timestamp():
                    path.unlink()
                    removed += 1
            except FileNotFoundError:  # removed by another process meanwhile
                pass
    if removed:
        log.info("Removed %s job file(s) older than %s", removed, max_age)
    return removed
