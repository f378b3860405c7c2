"""Background jobs: a province's placards run in a thread when there is no Redis, or on an RQ worker
over the real Redis; progress lives in the job row, the file appears whole or not at all, and the
job's page shows it to the person who started it."""

from __future__ import annotations

import datetime as dt
import io
import re
import uuid
import zipfile

import pytest
from sqlalchemy import select

from accounts.models import Role
from accounts.service import Scope
from jobs.models import Job, JobStatus
from jobs.runner import wait_for_threads
from db import utcnow
from jobs.service import (
    ABANDONED_AFTER, atomic_output, create_job, fail_abandoned_jobs, run_job,
)
from qr.payload import build_vietqr
from tests.conftest import make_app
from tests.factories import (
    DAI_TU,
    TAN_CUONG,
    THU_DAU_MOT,
    login,
    make_bank_account,
    make_market,
    make_stall,
    make_user,
    make_vendor,
)
from tests.qr import pdf_checks

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def jobs_dir(app, tmp_path):
    folder = tmp_path / "jobs"
    app.config.update(JOBS_DIR=str(folder), REDIS_URL=None)
    return folder


@pytest.fixture
def province(session, jobs_dir):
    """Two Thái Nguyên markets with placards, one without, one market in another province."""
    accounts = {}
    for name, ward, count in (
        ("Chợ Đại Từ", DAI_TU, 3),
        ("Chợ Tân Cương", TAN_CUONG, 2),
        ("Chợ Trống", DAI_TU, 0),
        ("Chợ Thủ Dầu Một", THU_DAU_MOT, 2),
    ):
        market = make_market(session, name=name, ward_code=ward)
        accounts[name] = []
        for i in range(count):
            vendor = make_vendor(
                session, market, stall_id=make_stall(session, market, f"A-{i + 1}").id
            )
            account = f"{market.id:03d}{i:07d}"
            make_bank_account(session, vendor, account_number=account)
            accounts[name].append(account)
        accounts[name, "id"] = market.id
    staff = make_user(session, Role.PROVINCIAL_STAFF, Scope(province_code="19"))
    session.commit()
    return {"accounts": accounts, "staff": staff.username, "staff_id": staff.id}


def _start(client, **form):
    response = client.post("/qr/placards/jobs", data={"per_page": "4", **form})
    assert response.status_code == 303, response.get_data(as_text=True)
    job_id = int(re.search(r"/qr/jobs/(\d+)$", response.headers["Location"]).group(1))
    return job_id


def _codes_in_zip(data: bytes) -> dict[str, list[str]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {
            name: [code.payload for code in pdf_checks.read_codes(archive.read(name), dpi=72)]
            for name in archive.namelist()
        }


def test_a_provinces_placards_run_in_process_without_redis(client, session, province, jobs_dir):
    login(client, province["staff"])
    page = client.get("/qr/placards").get_data(as_text=True)
    assert "3 chợ" in page  # the markets of Thái Nguyên; not Thủ Dầu Một's

    job_id = _start(client)
    wait_for_threads(timeout=60)
    response = client.get(f"/qr/jobs/{job_id}")
    page = response.get_data(as_text=True)
    assert 'data-status="done"' in page
    assert "Refresh" not in response.headers
    assert f"/qr/jobs/{job_id}/download" in page

    job = session.get(Job, job_id)
    assert (job.progress_done, job.progress_total) == (5, 5)
    assert job.created_by == province["staff_id"] and job.finished_at >= job.started_at

    download = client.get(f"/qr/jobs/{job_id}/download")
    assert download.status_code == 200
    assert re.search(r"filename=ma-qr-3-cho-4\.zip", download.headers["Content-Disposition"])
    accounts = province["accounts"]
    assert _codes_in_zip(download.data) == {
        f"ma-qr-cho-dai-tu-{accounts['Chợ Đại Từ', 'id']}.pdf": [
            build_vietqr("970436", a) for a in accounts["Chợ Đại Từ"]
        ],
        f"ma-qr-cho-tan-cuong-{accounts['Chợ Tân Cương', 'id']}.pdf": [
            build_vietqr("970436", a) for a in accounts["Chợ Tân Cương"]
        ],
    }
    # Written through a temporary file renamed into place: nothing else left in the folder.
    assert [path.name for path in jobs_dir.iterdir()] == [job.output_name]


def test_one_market_run_gives_its_pdf(client, session, province):
    login(client, province["staff"])
    market_id = province["accounts"]["Chợ Tân Cương", "id"]
    job_id = _start(client, market_id=str(market_id), per_page="2")
    wait_for_threads(timeout=60)
    download = client.get(f"/qr/jobs/{job_id}/download")
    assert download.mimetype == "application/pdf"
    assert [c.payload for c in pdf_checks.read_codes(download.data, dpi=72)] == [
        build_vietqr("970436", a) for a in province["accounts"]["Chợ Tân Cương"]
    ]


def test_a_run_with_nothing_to_print_fails_and_says_why(client, session, province):
    login(client, province["staff"])
    job_id = _start(client, market_id=str(province["accounts"]["Chợ Trống", "id"]))
    wait_for_threads(timeout=60)
    page = client.get(f"/qr/jobs/{job_id}").get_data(as_text=True)
    assert 'data-status="failed"' in page
    assert "chưa có tiểu thương nào có tài khoản ngân hàng" in page
    assert client.get(f"/qr/jobs/{job_id}/download").status_code == 404


def test_runs_are_limited_to_the_persons_scope_and_jobs_to_their_owner(
    app, client, session, province
):
    login(client, province["staff"])
    outside = province["accounts"]["Chợ Thủ Dầu Một", "id"]
    assert client.post("/qr/placards/jobs", data={"market_id": outside}).status_code == 404
    assert client.post("/qr/placards/jobs", data={"per_page": "3"}).status_code == 400
    job_id = _start(client)
    wait_for_threads(timeout=60)

    other = make_user(session, Role.PROVINCIAL_STAFF, Scope(province_code="19"))
    admin = make_user(session, Role.ADMIN)
    session.commit()
    stranger = app.test_client()
    login(stranger, other.username)
    assert stranger.get(f"/qr/jobs/{job_id}").status_code == 404
    assert stranger.get(f"/qr/jobs/{job_id}/download").status_code == 404
    boss = app.test_client()
    login(boss, admin.username)
    assert boss.get(f"/qr/jobs/{job_id}").status_code == 200


def test_starting_a_run_needs_the_forms_csrf_token(database_url, session, province):
    app = make_app(database_url, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    login_page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', login_page).group(1)
    from tests.factories import PASSWORD

    client.post(
        "/login", data={"username": province["staff"], "password": PASSWORD, "csrf_token": token}
    )
    assert client.post("/qr/placards/jobs", data={"per_page": "4"}).status_code == 400
    assert session.scalar(select(Job.id)) is None


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
    from jobs.tasks import TASKS

    assert run_job(session, job.id, jobs_dir, TASKS) is JobStatus.DONE
    assert run_job(session, job.id, jobs_dir, TASKS) is None


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


def test_output_appears_only_when_complete(tmp_path):
    target = tmp_path / "out.pdf"
    with pytest.raises(RuntimeError):
        with atomic_output(target) as out:
            out.write(b"%PDF-half")
            raise RuntimeError("renderer crashed")
    assert list(tmp_path.iterdir()) == []
    with atomic_output(target) as out:
        out.write(b"%PDF-whole")
        assert not target.exists()
    assert target.read_bytes() == b"%PDF-whole"
    assert list(tmp_path.iterdir()) == [target]


def test_when_redis_cannot_be_reached_the_job_fails_visibly(app, client, session, province):
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    login(client, province["staff"])
    job_id = _start(client)
    page = client.get(f"/qr/jobs/{job_id}").get_data(as_text=True)
    assert 'data-status="failed"' in page and "Redis" in page


@pytest.fixture
def rq_queue(app):
    from redis import Redis
    from redis.exceptions import RedisError
    from rq import Queue

    connection = Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except RedisError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    name = f"cho40-test-{uuid.uuid4().hex}"
    app.config.update(REDIS_URL=REDIS_URL, RQ_QUEUE=name)
    queue = Queue(name, connection=connection)
    yield queue
    queue.delete(delete_jobs=True)
    for key in connection.scan_iter(f"rq:*{name}*"):  # the queue's job registries
        connection.delete(key)
    connection.close()


def test_with_redis_a_run_waits_in_the_queue_for_an_rq_worker(
    app, client, session, province, rq_queue
):
    from rq import SimpleWorker

    login(client, province["staff"])
    job_id = _start(client)
    response = client.get(f"/qr/jobs/{job_id}")
    assert 'data-status="queued"' in response.get_data(as_text=True)
    assert response.headers["Refresh"] == "2"  # the page reloads itself while the job runs
    assert rq_queue.count == 1

    worker = SimpleWorker([rq_queue], connection=rq_queue.connection)
    with app.app_context():
        worker.work(burst=True)
    page = client.get(f"/qr/jobs/{job_id}").get_data(as_text=True)
    assert 'data-status="done"' in page
    job = session.get(Job, job_id)
    assert (job.progress_done, job.progress_total) == (5, 5)
    names = _codes_in_zip(client.get(f"/qr/jobs/{job_id}/download").data)
    assert sum(len(codes) for codes in names.values()) == 5
