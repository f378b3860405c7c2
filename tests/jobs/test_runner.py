"""Where jobs run: a province's placards run in a thread when there is no Redis, or on an RQ
worker (worker.py) over the real Redis; progress lives in the job row, the file appears whole,
and the job's page shows it to the person who started it."""

from __future__ import annotations

import importlib
import io
import re
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from accounts.models import Role
from accounts.service import Scope
from db import db
from jobs.models import Job
from jobs.runner import wait_for_threads
from qr.payload import build_vietqr
from tests.conftest import make_app
from tests.factories import login, make_user
from tests.qr import pdf_checks

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/0"


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
    # The reason is kept as a message of the catalogue: each reader gets it in their language.
    client.get("/lang/en")
    page = client.get(f"/qr/jobs/{job_id}").get_data(as_text=True)
    assert "No trader of Chợ Trống has a bank account in use yet." in page


def test_runs_are_limited_to_the_persons_scope_and_jobs_to_their_owner(
    app, client, session, province
):
    login(client, province["staff"])
    outside = province["accounts"]["Chợ Thủ Dầu Một", "id"]
    assert client.post("/qr/placards/jobs", data={"market_id": outside}).status_code == 404
    assert client.post("/qr/placards/jobs", data={"per_page": "3"}).status_code == 422
    job_id = _start(client)
    wait_for_threads(timeout=60)

    other = make_user(session, Role.ONBOARDING_AGENT, Scope(province_code="19"))
    reader = make_user(session, Role.PROVINCIAL_STAFF, Scope(province_code="19"))
    admin = make_user(session, Role.ADMIN)
    session.commit()
    stranger = app.test_client()
    login(stranger, other.username)
    assert stranger.get(f"/qr/jobs/{job_id}").status_code == 404
    assert stranger.get(f"/qr/jobs/{job_id}/download").status_code == 404
    boss = app.test_client()
    login(boss, admin.username)
    assert boss.get(f"/qr/jobs/{job_id}").status_code == 200
    # Provincial staff follow the figures: they do not print.
    follower = app.test_client()
    login(follower, reader.username)
    assert follower.post("/qr/placards/jobs", data={"per_page": "4"}).status_code == 403
    assert session.scalar(select(func.count()).select_from(Job)) == 1


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


@pytest.fixture
def worker_module(app, monkeypatch):
    """worker.py as `rq worker -c worker` imports it, its app made from the environment: here the
    test's database and Redis. Its jobs folder is set to the test's (JOBS_DIR is no environment
    variable)."""
    monkeypatch.setenv("DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])
    monkeypatch.setenv("SECRET_KEY", app.config["SECRET_KEY"])
    monkeypatch.setenv("REDIS_URL", REDIS_URL)
    sys.modules.pop("worker", None)
    module = importlib.import_module("worker")
    module.app.config["JOBS_DIR"] = app.config["JOBS_DIR"]
    yield module
    sys.modules.pop("worker", None)
    with module.app.app_context():
        db.engine.dispose()


def test_with_redis_a_run_waits_in_the_queue_for_an_rq_worker(
    app, client, session, province, rq_queue, worker_module
):
    from rq import SimpleWorker

    assert (worker_module.REDIS_URL, worker_module.QUEUES) == (REDIS_URL, ["cho40"])
    login(client, province["staff"])
    job_id = _start(client)
    response = client.get(f"/qr/jobs/{job_id}")
    assert 'data-status="queued"' in response.get_data(as_text=True)
    assert response.headers["Refresh"] == "2"  # the page reloads itself while the job runs
    assert rq_queue.count == 1

    # The worker runs worker.perform, in worker.py's app: no app context of the test's.
    worker = SimpleWorker([rq_queue], connection=rq_queue.connection)
    worker.work(burst=True)
    page = client.get(f"/qr/jobs/{job_id}").get_data(as_text=True)
    assert 'data-status="done"' in page
    job = session.get(Job, job_id)
    assert (job.progress_done, job.progress_total) == (5, 5)
    names = _codes_in_zip(client.get(f"/qr/jobs/{job_id}/download").data)
    assert sum(len(codes) for codes in names.values()) == 5


def test_with_redis_only_jobs_with_a_slot_are_sent_and_a_worker_sends_the_next(
    app, client, session, province, rq_queue, worker_module
):
    from rq import SimpleWorker

    # The worker sends the next job to the test's queue, as the web app does.
    worker_module.app.config["RQ_QUEUE"] = rq_queue.name
    login(client, province["staff"])
    market = str(province["accounts"]["Chợ Tân Cương", "id"])
    job_ids = [_start(client, market_id=market) for _ in range(3)]
    # Two a person at once: the third waits in the database, not in Redis.
    assert rq_queue.count == 2
    session.commit()
    third = session.get(Job, job_ids[2])
    assert (third.status.value, third.runner) == ("queued", None)
    assert 'data-status="queued"' in client.get(f"/qr/jobs/{job_ids[2]}").get_data(as_text=True)
    assert rq_queue.count == 2  # its page hands it nothing while both slots are held

    # A worker ending a job sends the next waiting one; one burst runs them all.
    SimpleWorker([rq_queue], connection=rq_queue.connection).work(burst=True)
    session.expire_all()
    assert [session.get(Job, job_id).status.value for job_id in job_ids] == ["done"] * 3
    assert rq_queue.count == 0


def test_the_jobs_package_knows_no_domain_package_nor_the_app():
    # The app factory gives jobs their tasks (jobs.runner.init_app) and worker.py makes the
    # worker's app, so importing jobs pulls in neither, nor any package a task comes from.
    script = ("import sys, jobs.models, jobs.runner, jobs.service\n"
              "print(' '.join(sorted({name.split('.')[0] for name in sys.modules})))")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, check=True, env={"PYTHONPATH": str(ROOT)})
    imported = set(done.stdout.split())
    assert "jobs" in imported
    assert imported.isdisjoint(
        {"app", "worker", "accounts", "catalog_export", "demo", "market", "qr", "vendors"}
    ), imported
