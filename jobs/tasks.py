"""The kinds of job there are: one line per kind, the name stored in Job.kind."""

from __future__ import annotations

from jobs.service import Task
from qr.tasks import run_placards_job

TASKS: dict[str, Task] = {
    "placards": run_placards_job,
}
