"""The RQ worker's entry point, as a wsgi.py is a web server's: `rq worker -c worker` (from this
folder, with the app's environment) imports this module once, so the app is made once, before RQ
forks a process for each job, and reads its Redis and queue from here; each job runs perform()."""

from __future__ import annotations

from app import create_app
from jobs import runner

app = create_app()

# RQ's settings (`rq worker -c worker`): the app's Redis and queue.
REDIS_URL = app.config["REDIS_URL"]
QUEUES = [app.config.get("RQ_QUEUE", runner.DEFAULT_QUEUE)]


def perform(job_id: int) -> str | None:
    """What RQ runs for each job (jobs.runner.WORKER_FUNCTION): the job, in this app."""
    with app.app_context():
        return runner.perform(app, job_id)
