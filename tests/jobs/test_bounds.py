"""Jobs under load: so many running per person and in all, the rest waiting their turn in order,
a cap on waiting, web requests answered meanwhile (the jobs' database pool is their own), every
end recorded, jobs of stopped processes failed, files removed after their time; on the real
routes, database and files."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session

from accounts.models import Role
from accounts.service import Scope
from db import db, utcnow
from jobs import runner
from jobs.models import Job, JobStatus
from jobs.service import (
    ABANDONED_AFTER,
    claim_slots,
    create_job,
    holds_slot,
    runner_id,
)
from tests.conftest import make_app
from tests.factories import login, make_user

PER_USER, TOTAL, WAITING = 2, 4, 10


@pytest.fixture
def bounded(database_url, tmp_path, province):
    """The app with the default bounds, and a web database pool of one connection: a job using
    the web's connections would leave requests none."""
    app = make_app(database_url, JOBS_DIR=str(tmp_path / "bounded-jobs"), REDIS_URL=None,
                   JOBS_PER_USER=PER_USER, JOBS_TOTAL=TOTAL, JOBS_WAITING_PER_USER=WAITING,
                   SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 1, "max_overflow": 0,
                                              "pool_timeout": 10, "pool_pre_ping": True})
    yield app
    runner.shutdown(app)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


class Gate:
    """A task wrapped so that it waits, holding a database connection, until the gate opens;
    it counts how many run at once, of each person and in all, and notes any job that began
    while an older one of the same person still waited for a slot (out of order)."""

    def __init__(self, task):
        self.task = task
        self.open = threading.Event()
        self.changed = threading.Condition()
        self.active: Counter = Counter()
        self.most: Counter = Counter()
        self.most_in_all = 0
        self.out_of_order: list[int] = []

    def __call__(self, context):
        person = context.session.scalar(select(Job.created_by).where(Job.id == context.job_id))
        older_waiting = context.session.scalar(select(func.count()).select_from(Job).where(
            Job.created_by == person, Job.id < context.job_id, Job.status == JobStatus.QUEUED,
            Job.runner.is_(None)))
        with self.changed:
            self.active[person] += 1
            self.most[person] = max(self.most[person], self.active[person])
            self.most_in_all = max(self.most_in_all, sum(self.active.values()))
            if older_waiting:
                self.out_of_order.append(context.job_id)
            self.changed.notify_all()
        try:
            if not self.open.wait(120):
                raise TimeoutError("the gate never opened")
            return self.task(context)
        finally:
            with self.changed:
                self.active[person] -= 1
                self.changed.notify_all()

    def wait_until_running(self, count: int) -> None:
        with self.changed:
            assert self.changed.wait_for(lambda: sum(self.active.values()) == count, 60), \
                dict(self.active)


def _start(client, **form):
    return client.post("/qr/placards/jobs", data={"per_page": "4", **form})


def _job_id(response) -> int:
    assert response.status_code == 303, response.get_data(as_text=True)
    return int(re.search(r"/qr/jobs/(\d+)$", response.headers["Location"]).group(1))


def _statuses(session, person: int) -> Counter:
    session.commit()
    return Counter(session.scalars(select(Job.status).where(Job.created_by == person)))


def test_twenty_runs_at_once_wait_their_turn_within_the_bounds(bounded, session, province):
    gate = Gate(bounded.extensions["jobs"]["placards"])
    bounded.extensions["jobs"]["placards"] = gate
    second = make_user(session, Role.ONBOARDING_AGENT, Scope(province_code="19"))
    third = make_user(session, Role.COMMUNE_STAFF, Scope(ward_code="05830"))
    reader = make_user(session, Role.PROVINCIAL_STAFF, Scope(province_code="19"))
    session.commit()
    clients = {}
    for name in (province["staff"], second.username, third.username, reader.username):
        clients[name] = bounded.test_client()
        login(clients[name], name)
    staff = clients[province["staff"]]

    answers = [_start(staff) for _ in range(20)]
    accepted = [_job_id(answer) for answer in answers[:WAITING]]
    for refused in answers[WAITING:]:
        assert refused.status_code == 429
        assert "10 việc đang chờ hoặc đang chạy" in refused.get_data(as_text=True)
    gate.wait_until_running(PER_USER)
    assert _statuses(session, province["staff_id"]) == {JobStatus.RUNNING: PER_USER,
                                                         JobStatus.QUEUED: WAITING - PER_USER}
    waiting_page = staff.get(f"/qr/jobs/{accepted[-1]}")
    assert 'data-status="queued"' in waiting_page.get_data(as_text=True)
    assert waiting_page.headers["Refresh"] == "2"

    # Others' runs take the slots left in all, then wait too.
    others = [_job_id(_start(clients[second.username])) for _ in range(3)]
    gate.wait_until_running(TOTAL)
    late = _job_id(_start(clients[third.username], market_id=str(
        province["accounts"]["Chợ Đại Từ", "id"])))
    assert _statuses(session, second.id) == {JobStatus.RUNNING: 2, JobStatus.QUEUED: 1}
    assert _statuses(session, third.id) == {JobStatus.QUEUED: 1}
    session.commit()
    assert session.scalar(select(func.count()).select_from(Job).where(holds_slot())) == TOTAL

    # Four jobs hold a database connection each; the web's one connection is still free.
    assert clients[reader.username].get("/vendors/").status_code == 200
    assert clients[reader.username].get("/").status_code == 200

    gate.open.set()
    runner.wait_for_threads(timeout=300)
    session.commit()
    jobs = session.scalars(select(Job).order_by(Job.id)).all()
    assert [job.id for job in jobs] == sorted(accepted + others + [late])
    assert {job.status for job in jobs} == {JobStatus.DONE}, [(j.id, j.error) for j in jobs]
    assert all(Path(bounded.config["JOBS_DIR"], job.output_name).is_file() for job in jobs)
    assert max(gate.most.values()) == PER_USER and gate.most_in_all == TOTAL
    # Each person's jobs were given their slots in the order they were asked for.
    assert gate.out_of_order == []
    assert staff.get(f"/qr/jobs/{accepted[-1]}/download").status_code == 200


def test_provincial_staff_may_not_print_whole_markets(bounded, session, province):
    reader = make_user(session, Role.PROVINCIAL_STAFF, Scope(province_code="19"))
    session.commit()
    client = bounded.test_client()
    login(client, reader.username)
    market_id = province["accounts"]["Chợ Đại Từ", "id"]
    for response in (_start(client), _start(client, market_id=str(market_id)),
                     client.get(f"/qr/markets/{market_id}/placards.pdf")):
        assert response.status_code == 403
        assert "không được in bảng mã QR cho cả chợ" in response.get_data(as_text=True)
    assert "/qr/placards" not in client.get(f"/markets/{market_id}").get_data(as_text=True)
    session.commit()
    assert session.scalar(select(func.count()).select_from(Job)) == 0


def test_a_failing_job_is_recorded_failed_even_when_recording_it_fails_first(
        bounded, session, province):
    def broken(context):
        tries = []

        def refuse_once(_session):
            if not tries:
                tries.append(1)
                raise ConnectionError("connection lost while recording")

        # The task's session breaks as the task fails: the failure is recorded on a fresh one.
        event.listen(context.session, "before_commit", refuse_once)
        raise RuntimeError("the renderer crashed")

    bounded.extensions["jobs"]["placards"] = broken
    client = bounded.test_client()
    login(client, province["staff"])
    job_id = _job_id(_start(client))
    runner.wait_for_threads(timeout=60)
    session.commit()
    job = session.get(Job, job_id)
    assert job.status is JobStatus.FAILED and job.finished_at is not None
    assert job.error_params["detail"] == "RuntimeError: the renderer crashed"
    page = client.get(f"/qr/jobs/{job_id}")
    assert 'data-status="failed"' in page.get_data(as_text=True)
    assert "Refresh" not in page.headers
    # Its slot is free: the next run goes.
    bounded.extensions["jobs"]["placards"] = lambda context: "out.pdf"
    next_id = _job_id(_start(client))
    runner.wait_for_threads(timeout=60)
    session.commit()
    assert session.get(Job, next_id).status is JobStatus.DONE


def _stopped_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    return int(done.stdout)


def test_running_jobs_whose_process_stopped_are_failed_and_free_their_slots(
        bounded, session, province):
    bounded.extensions["jobs"]["placards"] = lambda context: "out.pdf"
    host, pid, _boot = runner_id().split(":")
    params = {"market_ids": [province["accounts"]["Chợ Đại Từ", "id"]], "per_page": 4,
              "day": "2026-01-01"}
    now = utcnow()
    stale = {}
    for name, runner_name, heartbeat in (
            ("dead process", f"{host}:{_stopped_pid()}:0123456789ab", now),
            ("earlier start", f"{host}:{pid}:0123456789ab", now),
            ("silent elsewhere", "another-host:12:0123456789ab",
             now - ABANDONED_AFTER - dt.timedelta(minutes=1)),
            ("reporting elsewhere", "another-host:13:0123456789ab", now)):
        job = create_job(session, "placards", params, created_by=province["staff_id"])
        job.status, job.runner, job.started_at, job.heartbeat_at = (
            JobStatus.RUNNING, runner_name, heartbeat, heartbeat)
        stale[name] = job
    waiting = create_job(session, "placards", params, created_by=province["staff_id"])
    session.commit()

    client = bounded.test_client()
    login(client, province["staff"])
    assert client.get("/qr/placards").status_code == 200  # the listing finds them
    session.expire_all()
    for name in ("dead process", "earlier start"):
        assert session.get(Job, stale[name].id).status is JobStatus.FAILED, name
        assert "tiến trình chạy việc đã dừng" in client.get(
            f"/qr/jobs/{stale[name].id}").get_data(as_text=True)
    assert session.get(Job, stale["silent elsewhere"].id).status is JobStatus.FAILED
    assert session.get(Job, stale["reporting elsewhere"].id).status is JobStatus.RUNNING
    # One slot of the person's two is held by the job still reporting; the waiting one's page
    # hands it the other.
    assert client.get(f"/qr/jobs/{waiting.id}").status_code == 200
    runner.wait_for_threads(timeout=60)
    session.expire_all()
    assert session.get(Job, waiting.id).status is JobStatus.DONE


def test_slots_taken_at_once_by_many_processes_stay_within_the_bounds(app, session, province):
    people = [make_user(session, Role.ONBOARDING_AGENT, Scope(province_code="19")).id
              for _ in range(3)]
    for person in people:
        for _ in range(5):
            create_job(session, "placards", {}, created_by=person)
    session.commit()
    with app.app_context():
        engine = db.engine
    claimed: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def dispatcher(index: int):
        try:
            with Session(engine) as own:
                start.wait()
                claimed.extend(claim_slots(own, per_user=PER_USER, total=TOTAL,
                                           runner=f"test:{index}"))
        except BaseException as error:  # noqa: BLE001 - reported by the assert below
            errors.append(error)

    threads = [threading.Thread(target=dispatcher, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert len(claimed) == len(set(claimed)) == TOTAL
    session.commit()
    held = Counter(session.scalars(select(Job.created_by).where(holds_slot())))
    assert sum(held.values()) == TOTAL and max(held.values()) <= PER_USER
    # The oldest first: each person's first jobs, not later ones.
    firsts = {person: sorted(session.scalars(select(Job.id).where(Job.created_by == person)))
              for person in people}
    for person, count in held.items():
        assert sorted(session.scalars(select(Job.id).where(
            Job.created_by == person, holds_slot()))) == firsts[person][:count]


def test_the_waiting_cap_holds_when_a_person_asks_from_many_processes_at_once(app, session,
                                                                               province):
    from domain_errors import TooMany

    with app.app_context():
        engine = db.engine
    outcomes: list[str] = []
    start = threading.Barrier(16)

    def ask():
        with Session(engine) as own:
            start.wait()
            try:
                create_job(own, "placards", {}, created_by=province["staff_id"],
                           waiting_cap=WAITING)
                own.commit()
                outcomes.append("accepted")
            except TooMany:
                outcomes.append("refused")

    threads = [threading.Thread(target=ask) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert Counter(outcomes) == {"accepted": WAITING, "refused": 16 - WAITING}
    session.commit()
    assert session.scalar(select(func.count()).select_from(Job)) == WAITING


def test_job_files_past_their_time_are_removed_and_their_downloads_say_so(
        bounded, session, province, runner_env=None):
    bounded.extensions["jobs"]["placards"] = _writes_a_file
    client = bounded.test_client()
    login(client, province["staff"])
    old_id, recent_id = _job_id(_start(client)), _job_id(_start(client))
    runner.wait_for_threads(timeout=60)
    folder = Path(bounded.config["JOBS_DIR"])
    session.execute(update(Job).where(Job.id == old_id)
                    .values(finished_at=utcnow() - dt.timedelta(days=8)))
    session.commit()
    old, recent = session.get(Job, old_id), session.get(Job, recent_id)
    # Left behind: a part of a write that never finished, eight days ago.
    leftover = folder / ".job-0-x.pdf.abc.part"
    leftover.write_bytes(b"%PDF")
    eight_days_ago = (utcnow() - dt.timedelta(days=8)).timestamp()
    os.utime(leftover, (eight_days_ago, eight_days_ago))
    assert client.get(f"/qr/jobs/{old_id}/download").status_code == 200

    result = bounded.test_cli_runner().invoke(args=["jobs", "cleanup"])
    assert result.exit_code == 0, result.output
    assert "Đã xóa 2 tệp quá 7 ngày" in result.output
    assert not (folder / old.output_name).exists() and not leftover.exists()
    assert (folder / recent.output_name).is_file()
    session.expire_all()
    assert session.get(Job, old_id).file_expired_at is not None
    assert session.get(Job, recent_id).file_expired_at is None

    download = client.get(f"/qr/jobs/{old_id}/download")
    assert download.status_code == 410
    assert "đã bị xóa vì đã quá 7 ngày lưu giữ" in download.get_data(as_text=True)
    page = client.get(f"/qr/jobs/{old_id}").get_data(as_text=True)
    assert 'data-file="expired"' in page and f"/qr/jobs/{old_id}/download" not in page
    assert client.get(f"/qr/jobs/{recent_id}/download").status_code == 200
    client.get("/lang/en")
    assert "removed" in client.get(f"/qr/jobs/{old_id}/download").get_data(as_text=True)


def test_files_past_their_time_are_also_removed_when_a_job_ends(bounded, session, province):
    bounded.extensions["jobs"]["placards"] = _writes_a_file
    client = bounded.test_client()
    login(client, province["staff"])
    first = _job_id(_start(client))
    runner.wait_for_threads(timeout=60)
    session.execute(update(Job).where(Job.id == first)
                    .values(finished_at=utcnow() - dt.timedelta(days=8)))
    session.commit()
    _job_id(_start(client))
    runner.wait_for_threads(timeout=60)
    session.expire_all()
    assert session.get(Job, first).file_expired_at is not None
    assert client.get(f"/qr/jobs/{first}/download").status_code == 410


def _writes_a_file(context) -> str:
    name = f"job-{context.job_id}-ma-qr.pdf"
    (context.output_dir / name).write_bytes(b"%PDF-1.7 placards")
    return name
