"""Where a job runs: on an RQ worker over Redis when REDIS_URL is set (worker.py; start one with
`rq worker -c worker` from the project folder, with the app's environment), else in a pool of
JOBS_TOTAL threads of this process, so a newcomer's embedded setup needs no Redis. The kinds of
job and their tasks are the app's, given by its factory (init_app): this package knows no other.

Either way a job is handed out only once it has a slot (jobs.service.claim_slots: JOBS_PER_USER
running per person, JOBS_TOTAL in all, counted in the database); the others wait, queued, and
are handed out when a job ends (by the process that ran it), when one is asked for, and when a
waiting job's page is shown. In-process jobs use sessions of a database pool of their own, so
however busy they are the web requests keep theirs."""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

from flask import Flask, current_app, make_response, render_template
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from db import db
from domain_errors import N_, Gone, NotFound
from jobs.models import Job
from jobs.service import (
    HANDED_TO_RQ,
    Task,
    claim_slots,
    create_job,
    expire_job_files,
    fail_abandoned_jobs,
    fail_job,
    release_slot,
    run_job,
    runner_id,
)

log = logging.getLogger(__name__)

DEFAULT_QUEUE = "cho40"
DEFAULT_TIMEOUT = 3 * 3600  # seconds: a province's placards take minutes, never hours
# What an RQ worker runs for each job, named for RQ to import: the top-level worker.py, where the
# worker's app is made (as a web server's is in its entry module).
WORKER_FUNCTION = "worker.perform"
# The bounds when the configuration names none (config.py has the settings).
DEFAULTS = {"JOBS_PER_USER": 2, "JOBS_TOTAL": 4, "JOBS_WAITING_PER_USER": 10,
            "JOB_FILES_MAX_AGE_DAYS": 7}

FILE_EXPIRED = N_("Tệp của việc này đã bị xóa vì đã quá %(days)s ngày lưu giữ. Hãy chạy lại việc "
                  "để có tệp mới.")

# Every in-process job handed out so far, for wait_for_threads.
_futures: set[Future] = set()
_futures_lock = threading.Lock()


@dataclass
class _Runtime:
    """This process's thread pool and database engine for in-process jobs (made on first use,
    again in a forked child: neither survives a fork)."""

    pid: int = 0
    pool: ThreadPoolExecutor | None = None
    engine: Engine | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


def init_app(app: Flask, tasks: dict[str, Task]) -> None:
    """Give the app its kinds of job: each name (stored in Job.kind) with the task doing it."""
    app.extensions["jobs"] = dict(tasks)
    app.extensions["jobs_runtime"] = _Runtime()


def setting(app: Flask, name: str):
    value = app.config.get(name)
    return DEFAULTS[name] if value is None else value


def output_dir(app: Flask) -> Path:
    """Where job files go: JOBS_DIR, else the instance folder's jobs/ (RQ workers must see the
    same folder as the web processes)."""
    return Path(app.config.get("JOBS_DIR") or Path(app.instance_path) / "jobs")


def files_max_age(app: Flask) -> dt.timedelta:
    return dt.timedelta(days=float(setting(app, "JOB_FILES_MAX_AGE_DAYS")))


def job_page(template: str, job: Job | None, **context):
    """A page showing a job (`job` in the template); until the job is over the browser reloads
    it every 2 seconds: progress without JavaScript. A job waiting for a slot is handed out
    here if one has freed meanwhile (its runner may have stopped)."""
    if job is not None and not job.finished:
        dispatch(current_app._get_current_object())
        db.session.refresh(job)
    context.setdefault("file_expired_message", expired_message())
    response = make_response(render_template(template, job=job, **context))
    if job is not None and not job.finished:
        response.headers["Refresh"] = "2"
    return response


def job_file(job: Job) -> Path | None:
    """The file a finished job wrote, if it is still there."""
    if not job.output_name:
        return None
    path = output_dir(current_app) / job.output_name
    return path if path.is_file() else None


def downloadable_file(job: Job) -> Path:
    """The job's file to send; Gone (410, saying so) once removed after its time, NotFound
    while there is none."""
    path = job_file(job)
    if path is None:
        no_file(job)
    return path


def no_file(job: Job | None) -> NoReturn:
    """Refuse the download of a job's file that is not there: Gone (410) when it was removed
    after its time, else NotFound."""
    if job is not None and job.file_expired:
        raise Gone(expired_message())
    raise NotFound(N_("Việc này chưa có tệp để tải."))


def expired_message():
    """The sentence pages show for a job whose file expired."""
    return N_(FILE_EXPIRED.msgid,
              days=f"{float(setting(current_app, 'JOB_FILES_MAX_AGE_DAYS')):g}")


def enqueue(kind: str, params: dict, *, created_by: int | None = None,
            recorded: Callable[[Job], None] | None = None) -> Job:
    """Record a job (queued) and hand it out if a slot is free; returns it, committed. A person
    with JOBS_WAITING_PER_USER jobs unfinished is refused (TooMany, 429) and nothing the request
    began is kept. `recorded` is called with the job before that commit, to write what refers
    to it in the same transaction, before any worker can start it."""
    app = current_app._get_current_object()
    if not app.config.get("REDIS_URL") and app.config.get("CHO40_ENV") == "production":
        # config.py refuses to start so; a job in a thread would die with its gunicorn worker.
        raise RuntimeError("CHO40_ENV=production runs jobs on RQ workers only: set REDIS_URL")
    try:
        job = create_job(db.session, kind, params, created_by=created_by,
                         waiting_cap=setting(app, "JOBS_WAITING_PER_USER"))
    except Exception:
        db.session.rollback()
        raise
    if recorded is not None:
        recorded(job)
    db.session.commit()
    dispatch(app)
    db.session.refresh(job)
    return job


def dispatch(app: Flask) -> list[int]:
    """Hand out the queued jobs that free slots allow (oldest first): to this process's pool, or
    to RQ; their ids. Jobs whose process has stopped are recorded as failed first, freeing
    theirs. Never raises: a job not handed out now is at its next chance (SQLite may be busy
    with a long import's transaction)."""
    in_process = not app.config.get("REDIS_URL")
    try:
        with _session(app) as session:
            fail_abandoned_jobs(session)
            claimed = claim_slots(session, per_user=int(setting(app, "JOBS_PER_USER")),
                                  total=int(setting(app, "JOBS_TOTAL")),
                                  runner=runner_id() if in_process else HANDED_TO_RQ)
    except OperationalError:
        log.warning("Queued jobs not handed out now (database busy)", exc_info=True)
        return []
    for job_id in claimed:
        if in_process:
            try:
                future = _runtime(app).pool.submit(_run_in_pool, app, job_id)
            except RuntimeError:  # the pool is shutting down: the job waits for another
                with _session(app) as session:
                    release_slot(session, job_id)
                continue
            with _futures_lock:
                _futures.add(future)
        else:
            _send_to_rq(app, job_id)
    return claimed


def _send_to_rq(app: Flask, job_id: int) -> None:
    from redis import Redis
    from redis.exceptions import RedisError
    from rq import Queue

    try:
        queue = Queue(
            app.config.get("RQ_QUEUE", DEFAULT_QUEUE),
            connection=Redis.from_url(app.config["REDIS_URL"]),
        )
        # The job's state and file live in the database and the jobs folder: RQ keeps no result.
        queue.enqueue(
            WORKER_FUNCTION,
            job_id,
            job_timeout=app.config.get("JOB_TIMEOUT", DEFAULT_TIMEOUT),
            result_ttl=0,
        )
    except RedisError as error:
        app.logger.exception("Could not queue job %s", job_id)
        with _session(app) as session:
            fail_job(session, job_id, N_("Không gửi được việc vào hàng đợi (Redis): %(error)s",
                                         error=str(error)))


def perform(app: Flask, job_id: int) -> str | None:
    """Run a job handed out, with the app's tasks, a session of the jobs' own pool and the jobs
    folder, in its app context; then hand out the next waiting jobs and remove files past their
    time. The job's final status, or None if it was not this runner's to run."""
    try:
        with _session(app) as session:
            status = run_job(session, job_id, output_dir(app), app.extensions["jobs"],
                             runner=runner_id())
    finally:
        db.session.remove()  # in case a task's helpers used the app's session
    dispatch(app)
    cleanup(app)
    return status.value if status else None


def cleanup(app: Flask, *, quiet: bool = True) -> int:
    """Remove the job files past JOB_FILES_MAX_AGE_DAYS (`flask jobs cleanup`, and after each
    job); how many. Quiet (after a job) it never raises: a file left now goes next time."""
    try:
        with _session(app) as session:
            return expire_job_files(session, output_dir(app), files_max_age(app))
    except Exception:
        if not quiet:
            raise
        log.exception("Job files not cleaned up now")
        return 0


def wait_for_threads(timeout: float | None = None) -> None:
    """Wait for the in-process jobs handed out so far, and those they hand out in turn when they
    end (tests, and a clean shutdown)."""
    while True:
        with _futures_lock:
            pending = {future for future in _futures if not future.done()}
            _futures.difference_update(_futures - pending)
        if not pending:
            return
        _, still = wait_futures(pending, timeout)
        if still:
            return


def shutdown(app: Flask) -> None:
    """Let this process's pool finish its jobs, and close the jobs' database pool."""
    runtime: _Runtime = app.extensions["jobs_runtime"]
    with runtime.lock:
        pool, engine = runtime.pool, runtime.engine
        runtime.pool = runtime.engine = None
    if pool is not None:
        pool.shutdown(wait=True)
    if engine is not None and engine is not _app_engine(app):
        engine.dispose()


def _run_in_pool(app: Flask, job_id: int) -> None:
    with app.app_context():
        try:
            perform(app, job_id)
        except Exception:  # the job's own failure is recorded by run_job; this is the runner's
            log.exception("Job %s could not be run", job_id)


def _runtime(app: Flask) -> _Runtime:
    runtime: _Runtime = app.extensions["jobs_runtime"]
    with runtime.lock:
        if runtime.pid != os.getpid():
            # A forked child (an RQ work horse, a pre-forking server) makes its own.
            runtime.pid, runtime.pool, runtime.engine = os.getpid(), None, None
        if runtime.pool is None:
            runtime.pool = ThreadPoolExecutor(max_workers=int(setting(app, "JOBS_TOTAL")),
                                              thread_name_prefix="cho40-job")
        if runtime.engine is None:
            runtime.engine = _jobs_engine(app)
    return runtime


def _jobs_engine(app: Flask) -> Engine:
    """The jobs' own database pool: a connection for each running job and one for its progress
    reports beside a long transaction (jobs.service.progress_beside_transaction), no more."""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    url = make_url(uri)
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        return _app_engine(app)  # a database only its own connection sees
    size = int(setting(app, "JOBS_TOTAL"))
    return create_engine(url, pool_pre_ping=True, pool_size=size, max_overflow=size,
                         pool_timeout=60)


def _app_engine(app: Flask) -> Engine:
    with app.app_context():
        return db.engine


def _session(app: Flask) -> Session:
    """A session of the jobs' pool (not the request's, nor the web pool's connections)."""
    return Session(_runtime(app).engine, expire_on_commit=False)
