"""The import as jobs: a 5,000-row list checked and imported while the web process showing it is
restarted (its pages read progress and results from the database, the commit reads the file
from there), a commit run twice or side by side registering each row once, a commit whose
process died tried again, and uploads kept no longer than a day."""
from __future__ import annotations

import datetime as dt
import io
import re
import threading
import time

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select, update

from accounts.models import Role
from accounts.service import Scope
from db import utcnow
from jobs import runner
from jobs.models import Job, JobStatus
from jobs.service import ABANDONED_AFTER, create_job
from tests.conftest import make_app
from tests.factories import DAI_TU, login, make_market, make_quick_user
from vendors.import_jobs import COMMIT_JOB
from vendors.models import ImportUpload, PaymentMethod, Vendor

ROWS = 5000


def vendor_list(rows: int) -> bytes:
    """A commune's list of `rows` traders, each with a stall and a Vietcombank account, written
    as Excel writes it (openpyxl's write-only mode: a few seconds for 5,000 rows)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Danh sách")
    sheet.append(["STT", "Họ và tên", "Số điện thoại", "Số quầy", "Ngân hàng", "Số tài khoản",
                  "Chủ tài khoản"])
    for n in range(1, rows + 1):
        sheet.append([n, f"Người Bán Số {n}", f"09{n:08d}", f"K-{n}", "Vietcombank",
                      f"0011{n:09d}", f"NGUOI BAN SO {n}"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def job_id(response) -> int:
    assert response.status_code == 303, response.get_data(as_text=True)
    return int(re.fullmatch(r".*/vendors/import/jobs/(\d+)", response.headers["Location"]).group(1))


def follow(client, job: int, timeout: float = 240) -> tuple[str, list[tuple[int, int]]]:
    """Reload the job's page as the browser does (it is asked to every 2 seconds; here every
    second) until the job is over: the last page, and the progress each page showed."""
    seen = []
    deadline = time.monotonic() + timeout
    while True:
        response = client.get(f"/vendors/import/jobs/{job}")
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        shown = re.search(r'data-progress="(\d+)/(\d+)"', page)
        if shown:
            seen.append((int(shown.group(1)), int(shown.group(2))))
        if "Refresh" not in response.headers:
            return page, seen
        assert response.headers["Refresh"] == "2"
        assert time.monotonic() < deadline, f"job {job} still running: {seen[-3:]}"
        time.sleep(1)


@pytest.fixture
def commune(session, tmp_path):
    market = make_market(session, name="Chợ Đại Từ", ward_code=DAI_TU)
    staff = make_quick_user(session, Role.COMMUNE_STAFF, Scope(ward_code=DAI_TU),
                            username="canbo.xa")
    session.commit()
    # Settings every process gets alike: the same database, jobs in a thread (no Redis).
    return {"market": market, "staff": staff,
            "settings": {"JOBS_DIR": str(tmp_path / "jobs"), "REDIS_URL": None}}


def restarted(database_url: str, commune: dict, cookie: str):
    """A new web process: an app made afresh, sharing nothing with the last but the database,
    and the browser's session cookie."""
    app = make_app(database_url, **commune["settings"])
    browser = app.test_client()
    browser.set_cookie("session", cookie)
    return app, browser


def test_5000_rows_are_checked_and_imported_as_jobs_while_the_web_process_restarts(
        database_url, session, commune, is_postgresql):
    data = vendor_list(ROWS)
    first = make_app(database_url, **commune["settings"])
    browser = first.test_client()
    login(browser, "canbo.xa")
    cookie = browser.get_cookie("session").value
    started, cpu_started = time.monotonic(), time.process_time()
    response = browser.post("/vendors/import", content_type="multipart/form-data", data={
        "file": (io.BytesIO(data), "ds-dai-tu.xlsx"), "market_id": str(commune["market"].id)})
    check_job = job_id(response)
    answered_in = time.monotonic() - started

    # The web process that took the upload restarts while the check job runs (in its thread,
    # which goes on; an RQ worker would too). The new one has never seen the file.
    _second, browser = restarted(database_url, commune, cookie)
    page, seen = follow(browser, check_job)
    checked_in = time.monotonic() - started
    assert 'data-status="done"' in page
    assert f"{ROWS:,} / {ROWS:,} dòng đã kiểm tra".replace(",", ".") in page
    assert "5.000 dòng hợp lệ." in page and "Nhập 5.000 tiểu thương" in page
    assert seen[-1] == (ROWS, ROWS)
    assert count(session, Vendor) == 0  # the check wrote nothing

    # The file is in the database, as uploaded, for whichever process or worker imports it.
    (upload,) = session.scalars(select(ImportUpload))
    assert upload.data == data and upload.size == len(data) and upload.committed_at is None

    # The commit is asked of the second process, and a third one shows it.
    commit_job = job_id(browser.post(f"/vendors/import/jobs/{check_job}/commit"))
    _third, browser = restarted(database_url, commune, cookie)
    page, seen = follow(browser, commit_job)
    imported_in = time.monotonic() - started
    runner.wait_for_threads(timeout=60)
    assert "Đã nhập 5.000 tiểu thương." in page
    assert seen[-1] == (ROWS, ROWS)
    if is_postgresql:
        # Progress is written beside the import's transaction, so a page shows rows done while
        # it runs (SQLite, one writer at a time, reports before and after it only).
        assert any(0 < done < ROWS for done, _total in seen), seen
    assert count(session, Vendor) == ROWS and count(session, PaymentMethod) == ROWS
    assert session.scalar(select(Vendor.market_id).distinct()) == commune["market"].id
    session.expire_all()
    assert upload.data is None and upload.vendors_registered == ROWS
    assert upload.commit_job_id == commit_job

    # A worker restarted under the commit job runs it again: nobody is registered twice.
    session.execute(update(Job).where(Job.id == commit_job).values(status=JobStatus.QUEUED))
    session.commit()
    fourth = make_app(database_url, **commune["settings"])
    with fourth.app_context():
        assert runner.perform(fourth, commit_job) == "done"
    assert count(session, Vendor) == ROWS
    print(f"\n{ROWS} rows: upload answered in {answered_in:.1f} s, checked after "
          f"{checked_in:.1f} s, imported after {imported_in:.1f} s "
          f"({time.process_time() - cpu_started:.1f} s of CPU)")


def small_list() -> bytes:
    """Three traders known by name alone: nothing the registration's duplicate check could
    match, so only the import itself keeps them from being registered twice."""
    rows = ["Họ và tên,Số quầy", "Nguyễn Thị Hoa,A-1", "Trần Văn Nam,A-2", "Lê Thị Ánh,A-3"]
    return "\r\n".join(rows).encode()


def checked_upload(app, commune) -> tuple[object, int]:
    """A client of `app` logged in as the commune's staff, and the check job of a 3-row list,
    run to its end."""
    browser = app.test_client()
    login(browser, "canbo.xa")
    check_job = job_id(browser.post("/vendors/import", content_type="multipart/form-data", data={
        "file": (io.BytesIO(small_list()), "ds.csv"), "market_id": str(commune["market"].id)}))
    runner.wait_for_threads(timeout=60)
    return browser, check_job


def test_two_commit_jobs_of_one_upload_side_by_side_register_each_row_once(
        app, session, commune):
    app.config.update(commune["settings"])
    _browser, check_job = checked_upload(app, commune)
    upload_id = session.get(Job, check_job).params["upload_id"]
    staff_id = commune["staff"].id
    jobs = [create_job(session, COMMIT_JOB, {"upload_id": upload_id, "user_id": staff_id},
                       created_by=staff_id).id for _ in range(2)]
    session.commit()

    def work(job: int) -> None:
        with app.app_context():
            runner.perform(app, job)

    threads = [threading.Thread(target=work, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert count(session, Vendor) == 3
    assert {session.get(Job, job).status for job in jobs} == {JobStatus.DONE}
    assert session.get(ImportUpload, upload_id).commit_job_id in jobs


def test_a_commit_whose_process_died_is_shown_failed_and_can_be_started_again(
        app, session, commune):
    app.config.update(commune["settings"])
    browser, check_job = checked_upload(app, commune)
    upload_id = session.get(Job, check_job).params["upload_id"]
    # A commit job claimed by a process that then died: its transaction was never committed,
    # so nothing of it is in the database but the job, silent since.
    staff_id = commune["staff"].id
    dead = create_job(session, COMMIT_JOB, {"upload_id": upload_id, "user_id": staff_id,
                                            "check_job_id": check_job}, created_by=staff_id)
    dead.status = JobStatus.RUNNING
    dead.heartbeat_at = utcnow() - ABANDONED_AFTER - dt.timedelta(minutes=1)
    session.get(ImportUpload, upload_id).commit_job_id = dead.id
    session.commit()

    page = browser.get(f"/vendors/import/jobs/{dead.id}").get_data(as_text=True)
    assert 'data-status="failed"' in page and "Thử nhập lại" in page
    again = job_id(browser.post(f"/vendors/import/jobs/{check_job}/commit"))
    assert again != dead.id
    runner.wait_for_threads(timeout=60)
    assert "Đã nhập 3 tiểu thương." in browser.get(
        f"/vendors/import/jobs/{again}").get_data(as_text=True)
    assert count(session, Vendor) == 3


def test_uploads_are_deleted_after_a_day_when_the_next_is_made(app, session, commune):
    app.config.update(commune["settings"])
    browser, old_job = checked_upload(app, commune)
    old_upload = session.get(Job, old_job).params["upload_id"]
    session.execute(update(ImportUpload).values(uploaded_at=utcnow() - dt.timedelta(hours=25)))
    session.commit()

    _other, new_job = checked_upload(app, commune)
    session.expire_all()
    assert session.get(ImportUpload, old_upload) is None
    # A new upload never takes the id of a deleted one, which its jobs still name.
    assert session.scalars(select(ImportUpload.id)).all() == [
        session.get(Job, new_job).params["upload_id"]]
    assert old_upload not in session.scalars(select(ImportUpload.id)).all()
    page = browser.get(f"/vendors/import/jobs/{old_job}").get_data(as_text=True)
    assert "Tệp này không còn được lưu" in page
    refused = browser.post(f"/vendors/import/jobs/{old_job}/commit")
    assert refused.status_code == 409 and "Không còn tệp đã kiểm tra" in refused.get_data(
        as_text=True)
    assert count(session, Vendor) == 0
