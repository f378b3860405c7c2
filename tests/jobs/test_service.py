"""Recording and running jobs: a job runs once however often it is handed out, and one whose
process stopped reporting is shown as failed while one still reporting runs on."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from db import utcnow
from jobs.models import Job, JobStatus
from jobs.service import ABANDONED_AFTER, create_job, fail_abandoned_jobs, run_job
from tests.factories import login


def test_a_job_is_run_once_even_if_handed_out_twice(app, session, province, jobs_dir):
    job = create_job(
        session,
        "placards",
        {
            "market_ids": [province["accounts"]["Chợ Tân Cương", "id"]],
            "per_page": 4,
            "day": "2026-01-01",
        },
    )
    session.commit()
    tasks = app.extensions["jobs"]  # the kinds of job the app factory registered

    assert run_job(session, job.id, jobs_dir, tasks) is JobStatus.DONE
    assert run_job(session, job.id, jobs_dir, tasks) is None


def test_a_job_whose_process_stopped_reporting_is_shown_as_failed(app, client, session, province):
    # Its process died mid-run (an RQ worker killed, a web process restarted): the job's page
    # must stop waiting and say so, and a job still reporting must go on running.
    login(client, province["staff"])
    now = utcnow()
    silent, reporting = (
        create_job(session, "placards", {"market_ids": [1], "per_page": 4, "day": "2026-01-01"},
                   created_by=province["staff_id"])
        for _ in range(2)
    )
    for job, last_report in ((silent, now - ABANDONED_AFTER - dt.timedelta(minutes=1)),
                             (reporting, now - ABANDONED_AFTER + dt.timedelta(minutes=1))):
        job.status, job.started_at, job.heartbeat_at = JobStatus.RUNNING, last_report, last_report
    session.commit()

    page = client.get(f"/qr/jobs/{silent.id}")
    assert 'data-status="failed"' in page.get_data(as_text=True)
    assert "dừng giữa chừng" in page.get_data(as_text=True)
    assert "Refresh" not in page.headers
    page = client.get(f"/qr/jobs/{reporting.id}")
    assert 'data-status="running"' in page.get_data(as_text=True)
    assert page.headers["Refresh"] == "2"


def test_progress_reports_keep_a_job_alive_and_its_end_is_recorded_even_if_taken_for_dead(
        app, session, province, jobs_dir):
    job = create_job(session, "placards", {
        "market_ids": [province["accounts"]["Chợ Đại Từ", "id"]], "per_page": 4,
        "day": "2026-01-01"})
    session.commit()

    def heartbeat():
        return session.scalar(select(Job.heartbeat_at).where(Job.id == job.id))

    def slow_task(context):
        claimed = heartbeat()
        context.progress(1, 2)
        reported = heartbeat()
        assert claimed is not None and reported >= claimed
        assert fail_abandoned_jobs(session, now=reported + ABANDONED_AFTER / 2) == 0
        assert fail_abandoned_jobs(session, now=reported + ABANDONED_AFTER * 2) == 1
        return "out.pdf"

    assert run_job(session, job.id, jobs_dir, {"placards": slow_task}) is JobStatus.DONE
    session.expire_all()
    assert session.get(Job, job.id).status is JobStatus.DONE


