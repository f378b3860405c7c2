"""Where a job runs: on an RQ worker over Redis when REDIS_URL is set (worker.py; start one with
`rq worker -c worker` from the project folder, with the app's environment), else in a thread of
this process, so a newcomer's embedded setup needs no Redis. The kinds of job and their tasks are
the app's, given by its factory (init_app): this package knows no other."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from flask import Flask, current_app, make_response, render_template

from db import db
from domain_errors import N_
from jobs.models import Job
from jobs.service import Task, create_job, fail_job, run_job

DEFAULT_QUEUE = "cho40"
DEFAULT_TIMEOUT = 3 * 3600  # seconds: a province's placards take minutes, never hours
# What an RQ worker runs for each job, named for RQ to import: the top-level worker.py, where the
# worker's app is made (as a web server's is in its entry module).
WORKER_FUNCTION = "worker.perform"

_threads: dict[int, threading.Thread] = {}


def init_app(app: Flask, tasks: dict[str, Task]) -> None:
    """Give the app its kinds of job: each name (stored in Job.kind) with the task doing it."""
    app.extensions["jobs"] = dict(tasks)


def output_dir(app: Flask) -> Path:
    """Where job files go: JOBS_DIR, else the instance folder's jobs/ (RQ workers must see the
    same folder as the web processes)."""
    return Path(app.config.get("JOBS_DIR") or Path(app.instance_path) / "jobs")


def job_page(template: str, job: Job | None, **context):
    """A page showing a job (`job` in the template); until the job is over the browser reloads
    it every 2 seconds: progress without JavaScript."""
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


def enqueue(kind: str, params: dict, *, created_by: int | None = None,
            recorded: Callable[[Job], None] | None = None) -> Job:
    """Record a job and hand it to the queue (or a thread); returns it, committed. `recorded`
    is called with the job before that commit, to write what refers to it in the same
    transaction, before any worker can start it."""
    app = current_app._get_current_object()
    if not app.config.get("REDIS_URL") and app.config.get("CHO40_ENV") == "production":
        # config.py refuses to start so; a job in a thread would die with its gunicorn worker.
        raise RuntimeError("CHO40_ENV=production runs jobs on RQ workers only: set REDIS_URL")
    job = create_job(db.session, kind, params, created_by=created_by)
    if recorded is not None:
        recorded(job)
    db.session.commit()
    redis_url = app.config.get("REDIS_URL")
    if redis_url:
        from redis import Redis
        from redis.exceptions import RedisError
        from rq import Queue

        try:
            queue = Queue(
                app.config.get("RQ_QUEUE", DEFAULT_QUEUE), connection=Redis.from_url(redis_url)
            )
            # The job's state and file live in the database and the jobs folder: RQ keeps no result.
            queue.enqueue(
                WORKER_FUNCTION,
                job.id,
                job_timeout=app.config.get("JOB_TIMEOUT", DEFAULT_TIMEOUT),
                result_ttl=0,
            )
        except RedisError as error:
            app.logger.exception("Could not queue job %s", job.id)
            fail_job(db.session, job.id, N_("Không gửi được việc vào hàng đợi (Redis): %(error)s",
                                            error=str(error)))
    else:
        thread = threading.Thread(
            target=_run_in_thread, args=(app, job.id), name=f"cho40-job-{job.id}", daemon=True
        )
        _threads[job.id] = thread
        thread.start()
    db.session.refresh(job)
    return job


def perform(app: Flask, job_id: int) -> str | None:
    """Run a queued job with the app's tasks, database and jobs folder, in its app context; the
    job's final status, or None if it was not queued."""
    status = run_job(db.session, job_id, output_dir(app), app.extensions["jobs"])
    return status.value if status else None


def wait_for_threads(timeout: float | None = None) -> None:
    """Wait for the in-process jobs started so far (tests, and a clean shutdown)."""
    for job_id, thread in list(_threads.items()):
        thread.join(timeout)
        if not thread.is_alive():
            _threads.pop(job_id, None)


def _run_in_thread(app: Flask, job_id: int) -> None:
    with app.app_context():
        try:
            perform(app, job_id)
        finally:
            db.session.remove()
