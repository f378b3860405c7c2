"""The import pages: a dry run reporting row by row in Vietnamese, then an all-or-nothing commit,
each a job whose page shows how far it got; the file waits in the database."""
from __future__ import annotations

import io
import re
from types import SimpleNamespace

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from accounts.models import Role
from accounts.service import Scope
from jobs.runner import wait_for_threads
from market.models import Stall
from tests.conftest import make_app
from tests.factories import (
    DAI_TU,
    TAN_CUONG,
    login,
    make_bank_account,
    make_market,
    make_quick_user,
    make_user,
    make_vendor,
)
from vendors.bulk_import import commit_import, plan_import
from vendors.import_file import read_sheet
from vendors.models import ImportUpload, PaymentMethod, Vendor

HEADER = ["Họ và tên", "Số điện thoại", "Số CCCD", "Chợ", "Số quầy", "Ngân hàng", "Số tài khoản",
          "Chủ tài khoản"]
HOA = ["Nguyễn Thị Hoa", "0912345678", "001190012345", "cho dai tu", "B-12", "Vietcombank",
       "0011001234567", "NGUYEN THI HOA"]
NAM = ["Trần Văn Nam", "0987654321", "", "Đại Từ", "B-13", "Agribank", "3200205123456",
       "TRAN VAN NAM"]
ANH = ["Lê Thị Ánh", "0978111222", "", "", "", "", "", ""]  # takes the market chosen on the page


def csv_file(*rows) -> bytes:
    lines = [",".join(f'"{cell}"' for cell in row) for row in (HEADER, *rows)]
    return b"\xef\xbb\xbf" + ("\r\n".join(lines) + "\r\n").encode()


def row_error(page: str, line: int, column: str, message: str) -> bool:
    """Whether the check page reports, for the file's `line`, an error under `column` whose
    message begins with `message`."""
    return re.search(f'<td class="num">{line}</td><td>{re.escape(column)}</td>'
                     f'<td>{re.escape(message)}', page) is not None


def count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def office(app, session, tmp_path):
    # The jobs run in a thread of the app's process, their folder the test's own.
    app.config.update(JOBS_DIR=str(tmp_path / "jobs"), REDIS_URL=None)
    market = make_market(session, name="Chợ Đại Từ", ward_code=DAI_TU)
    elsewhere = make_market(session, name="Chợ Tân Cương", ward_code=TAN_CUONG)
    staff = make_user(session, Role.COMMUNE_STAFF, Scope(ward_code=DAI_TU), username="canbo.xa")
    session.commit()
    return SimpleNamespace(market=market, elsewhere=elsewhere, staff=staff)


@pytest.fixture
def staff_client(client, office):
    login(client, "canbo.xa")
    return client


def check(client, data: bytes, filename="danh-sach.csv", market_id=None):
    form = {"file": (io.BytesIO(data), filename), "market_id": str(market_id or "")}
    return client.post("/vendors/import", data=form, content_type="multipart/form-data")


def job_id(response) -> int:
    assert response.status_code == 303, response.get_data(as_text=True)
    return int(re.fullmatch(r".*/vendors/import/jobs/(\d+)", response.headers["Location"]).group(1))


def finished(client, job: int) -> str:
    """The job's page once its thread is done."""
    wait_for_threads(timeout=120)
    response = client.get(f"/vendors/import/jobs/{job}")
    assert response.status_code == 200 and "Refresh" not in response.headers
    return response.get_data(as_text=True)


def checked(client, data: bytes, filename="danh-sach.csv", market_id=None) -> tuple[int, str]:
    """Upload, and the check job's page once it is done."""
    job = job_id(check(client, data, filename, market_id))
    return job, finished(client, job)


def commit(client, check_job: int):
    return client.post(f"/vendors/import/jobs/{check_job}/commit")


def test_the_upload_page_offers_the_form_and_the_template(staff_client, office):
    page = staff_client.get("/vendors/import").get_data(as_text=True)
    assert 'accept=".xlsx,.csv' in page and "Kiểm tra" in page
    assert "/vendors/import/template.xlsx" in page
    assert "Chợ Đại Từ" in page and "Chợ Tân Cương" not in page


def test_the_dry_run_reports_each_bad_row_in_vietnamese_and_writes_nothing(staff_client, office,
                                                                          session):
    bad_phone = [*NAM[:1], "12345", *NAM[2:]]
    bad_bank = ["Phạm Văn Bình", "0911000111", "", "Chợ Đại Từ", "", "Ngân hàng ABC", "123456789",
                "PHAM VAN BINH"]
    out_of_scope = ["Đỗ Thị Lan", "0911000222", "", "Chợ Tân Cương", "", "", "", ""]
    job, page = checked(staff_client, csv_file(HOA, bad_phone, bad_bank, out_of_scope))
    assert 'data-status="done"' in page
    assert "4 / 4 dòng đã kiểm tra" in page
    assert "3 trong 4 dòng có lỗi" in page
    assert row_error(page, 3, "Số điện thoại (cột B)", "Số điện thoại gồm 10 chữ số")
    assert row_error(page, 4, "Ngân hàng (cột F)", "Không nhận ra ngân hàng «Ngân hàng ABC»")
    assert row_error(page, 5, "Chợ (cột D)", "Không có chợ «Chợ Tân Cương» trong địa bàn của bạn.")
    assert f"/vendors/import/jobs/{job}/commit" not in page  # nothing to import until all is right
    assert commit(staff_client, job).status_code == 409
    assert count(session, Vendor) == 0 and count(session, Stall) == 0


def test_a_valid_file_is_checked_then_imported_in_full(staff_client, office, session):
    data = csv_file(HOA, NAM, ANH)
    job, page = checked(staff_client, data, market_id=office.market.id)
    assert "3 dòng hợp lệ." in page and "Nhập 3 tiểu thương" in page
    assert count(session, Vendor) == 0  # the dry run wrote nothing
    (upload,) = session.scalars(select(ImportUpload))
    assert (upload.data, upload.size, upload.filename) == (data, len(data), "danh-sach.csv")
    assert upload.uploaded_by == office.staff.id and upload.committed_at is None

    commit_job = job_id(commit(staff_client, job))
    page = finished(staff_client, commit_job)
    assert "Đã nhập 3 tiểu thương." in page and "3 / 3 dòng đã nhập" in page
    vendors = {v.name: v for v in session.scalars(select(Vendor))}
    assert set(vendors) == {"Nguyễn Thị Hoa", "Trần Văn Nam", "Lê Thị Ánh"}
    assert {v.market_id for v in vendors.values()} == {office.market.id}
    assert vendors["Nguyễn Thị Hoa"].stall.code == "B-12"
    assert vendors["Nguyễn Thị Hoa"].citizen_id == "001190012345"
    (method,) = vendors["Trần Văn Nam"].payment_methods
    assert (method.bank_bin, method.account_number) == ("970405", "3200205123456")
    assert vendors["Lê Thị Ánh"].payment_methods == []
    session.expire_all()
    assert upload.data is None and upload.committed_at is not None  # the file is not kept
    assert upload.vendors_registered == 3 and upload.commit_job_id == commit_job

    # Importing it again shows the import that was made, and registers nobody twice.
    again = commit(staff_client, job)
    assert again.status_code == 303 and job_id(again) == commit_job
    assert "Đã nhập 3 tiểu thương." in finished(staff_client, job)
    assert count(session, Vendor) == 3


def test_the_commit_checks_again_and_one_refused_row_means_nothing_is_written(staff_client, office,
                                                                             session):
    job, _page = checked(staff_client, csv_file(HOA, NAM, ANH), market_id=office.market.id)
    # Between the check and the commit, someone registers Nam at the stall.
    make_vendor(session, session.get(type(office.market), office.market.id),
                name="Trần Văn Nam", phone="0987654321")
    session.commit()
    commit_job = job_id(commit(staff_client, job))
    page = finished(staff_client, commit_job)
    assert "1 trong 3 dòng có lỗi" in page
    assert "Đã có tiểu thương trùng số điện thoại: Trần Văn Nam (Chợ Đại Từ)" in page
    assert count(session, Vendor) == 1
    assert count(session, Stall) == 0 and count(session, PaymentMethod) == 0
    # The file is forgotten: it is uploaded again, once corrected.
    (upload,) = session.scalars(select(ImportUpload))
    assert upload.data is None and upload.committed_at is None
    assert job_id(commit(staff_client, job)) == commit_job  # its refusal, not another try
    assert f"/vendors/import/jobs/{job}/commit" not in finished(staff_client, job)


def test_duplicates_within_the_file_and_against_the_database_are_reported(staff_client, office,
                                                                         session):
    known = make_vendor(session, session.get(type(office.market), office.market.id),
                        name="Hoàng Văn Cũ")
    make_bank_account(session, known, bank_bin="970405", account_number="3200205123456")
    session.commit()
    same_phone = ["Nguyễn Thị Hoà", "0912 345 678", "", "", "", "", "", ""]
    same_id = ["Nguyễn Hoa", "0911999888", "001190012345", "", "", "", "", ""]
    _job, page = checked(staff_client, csv_file(HOA, same_phone, NAM, same_id),
                         market_id=office.market.id)
    assert row_error(page, 3, "Số điện thoại (cột B)", "Trùng số điện thoại với dòng 2 trong tệp.</td>")
    assert row_error(page, 4, "—", "Đã có tiểu thương trùng tài khoản ngân hàng: Hoàng Văn Cũ "
                                   "(Chợ Đại Từ)")
    assert row_error(page, 5, "Số CCCD (cột C)", "Trùng số CCCD với dòng 2 trong tệp.</td>")
    assert count(session, Vendor) == 1


def test_a_file_with_too_many_rows_is_refused_with_422(staff_client, office, session):
    rows = [[f"Người Thứ {n}", "", "", "", "", "", "", ""] for n in range(5001)]
    response = check(staff_client, csv_file(*rows), market_id=office.market.id)
    assert response.status_code == 422
    assert "hơn 5.000 dòng tiểu thương" in response.get_data(as_text=True)
    assert count(session, Vendor) == 0 and count(session, ImportUpload) == 0


@pytest.mark.parametrize("data, filename, message", [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00" + bytes(range(256)), "anh.xlsx",
     "không phải bảng tính"),
    (b"", "", "Chọn tệp danh sách"),
    (b"xin chao\r\nday la van ban\r\n", "ghi-chu.csv", "Không tìm thấy dòng tiêu đề"),
])
def test_what_is_not_a_vendor_list_is_refused_with_422_and_a_reason(staff_client, office, data,
                                                                    filename, message):
    response = check(staff_client, data, filename=filename)
    assert response.status_code == 422 and message in response.get_data(as_text=True)


def test_an_xlsx_with_phones_stored_as_numbers_imports_them_with_their_zero(staff_client, office,
                                                                           session):
    workbook = Workbook()
    workbook.active.append(["STT", "Họ tên", "SĐT", "Quầy"])
    workbook.active.append([1, "Nguyễn Thị Hoa", 912345678, "A-1"])
    workbook.active.append([2, "Trần Văn Nam", 987654321.0, "A-2"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    job, page = checked(staff_client, buffer.getvalue(), "ds.xlsx", office.market.id)
    assert "2 dòng hợp lệ." in page
    finished(staff_client, job_id(commit(staff_client, job)))
    assert set(session.scalars(select(Vendor.phone))) == {"0912345678", "0987654321"}


def test_the_default_market_must_be_in_the_users_scope(staff_client, office, session):
    response = check(staff_client, csv_file(ANH), market_id=office.elsewhere.id)
    assert response.status_code == 422
    assert "Không có chợ này trong địa bàn của bạn." in response.get_data(as_text=True)


def test_rows_without_a_market_and_no_default_say_so(staff_client, office):
    _job, page = checked(staff_client, csv_file(ANH))
    assert "Chọn chợ nơi tiểu thương kinh doanh." in page


def test_only_the_uploader_or_an_administrator_sees_and_imports_an_upload(app, staff_client,
                                                                          office, session):
    job, _page = checked(staff_client, csv_file(HOA), market_id=office.market.id)
    make_quick_user(session, Role.COMMUNE_STAFF, Scope(ward_code=DAI_TU), username="canbo.xa2")
    make_quick_user(session, Role.ADMIN, username="quantri")
    session.commit()
    colleague = app.test_client()
    login(colleague, "canbo.xa2")
    assert colleague.get(f"/vendors/import/jobs/{job}").status_code == 404
    assert commit(colleague, job).status_code == 404
    assert count(session, Vendor) == 0
    admin = app.test_client()
    login(admin, "quantri")
    assert "1 dòng hợp lệ." in admin.get(f"/vendors/import/jobs/{job}").get_data(as_text=True)
    # The uploader, from another browser, imports it: the upload is theirs, not the session's.
    elsewhere = app.test_client()
    login(elsewhere, "canbo.xa")
    assert "Đã nhập 1 tiểu thương." in finished(elsewhere, job_id(commit(elsewhere, job)))


def test_import_jobs_are_not_listed_or_shown_as_print_runs(staff_client, office):
    job, _page = checked(staff_client, csv_file(HOA), market_id=office.market.id)
    assert staff_client.get(f"/qr/jobs/{job}").status_code == 404
    assert f"/qr/jobs/{job}" not in staff_client.get("/qr/placards").get_data(as_text=True)


def test_the_template_downloads_as_an_xlsx_the_importer_reads(staff_client, office):
    response = staff_client.get("/vendors/import/template.xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response.headers["Content-Disposition"]
    (row,) = read_sheet(response.data).rows
    assert row.values["name"] == "Nguyễn Thị Hoa"


@pytest.mark.parametrize("method, path", [
    ("get", "/vendors/import"), ("post", "/vendors/import"), ("get", "/vendors/import/jobs/1"),
    ("post", "/vendors/import/jobs/1/commit"), ("get", "/vendors/import/template.xlsx"),
])
def test_people_not_logged_in_are_sent_to_the_login_page(client, method, path):
    response = getattr(client, method)(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("method, path", [
    ("get", "/vendors/import"), ("post", "/vendors/import"), ("get", "/vendors/import/jobs/1"),
    ("post", "/vendors/import/jobs/1/commit"), ("get", "/vendors/import/template.xlsx"),
])
def test_provincial_staff_may_not_import(client, session, method, path):
    make_user(session, Role.PROVINCIAL_STAFF, Scope(province_code="19"), username="tinh")
    session.commit()
    login(client, "tinh")
    assert getattr(client, method)(path).status_code == 403


def test_the_forms_carry_a_csrf_token_and_need_it(database_url, session, tmp_path):
    market = make_market(session, name="Chợ Đại Từ", ward_code=DAI_TU)
    make_user(session, Role.ONBOARDING_AGENT, Scope(market_id=market.id), username="todoi")
    session.commit()
    app = make_app(database_url, WTF_CSRF_ENABLED=True, JOBS_DIR=str(tmp_path), REDIS_URL=None)
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      client.get("/login").get_data(as_text=True)).group(1)
    client.post("/login", data={"username": "todoi", "password": "correct horse battery",
                                "csrf_token": token})
    refused = check(client, csv_file(ANH))
    assert refused.status_code == 400 and "biểu mẫu không hợp lệ" in refused.get_data(as_text=True)
    page = client.get("/vendors/import").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert f'<option value="{market.id}" selected>' in page  # an agent's one market
    form = {"file": (io.BytesIO(csv_file(ANH)), "ds.csv"), "csrf_token": token,
            "market_id": str(market.id)}
    job = job_id(client.post("/vendors/import", data=form, content_type="multipart/form-data"))
    page = finished(client, job)
    assert "1 dòng hợp lệ." in page
    assert f'action="/vendors/import/jobs/{job}/commit"' in page
    assert page.count('name="csrf_token"') >= 1  # the commit form has its own
    assert client.post(f"/vendors/import/jobs/{job}/commit").status_code == 400
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    started = client.post(f"/vendors/import/jobs/{job}/commit", data={"csrf_token": token})
    assert "Đã nhập 1 tiểu thương." in finished(client, job_id(started))


def test_commit_import_writes_nothing_when_any_row_is_refused(office, session):
    sheet = read_sheet(csv_file(HOA, NAM, [*ANH[:1], "0000"] + ANH[2:]))
    staff = session.get(type(office.staff), office.staff.id)
    report = commit_import(session, staff, sheet, office.market.id)
    assert not report.committed and [issue.row for issue in report.errors] == [4]
    session.commit()
    assert count(session, Vendor) == 0 and count(session, Stall) == 0


def test_plan_then_commit_import_registers_every_row_once(office, session):
    sheet = read_sheet(csv_file(HOA, NAM, ANH))
    staff = session.get(type(office.staff), office.staff.id)
    assert plan_import(session, staff, sheet, office.market.id).valid_rows == 3
    assert count(session, Vendor) == 0
    report = commit_import(session, staff, sheet, office.market.id)
    session.commit()
    assert report.committed and len(report.vendor_ids) == 3 and count(session, Vendor) == 3


def test_the_cli_checks_by_default_and_imports_with_commit(runner, office, session, tmp_path):
    path = tmp_path / "ds.csv"
    path.write_bytes(csv_file(HOA, NAM, ANH))
    args = ["vendors", "import", str(path), "--user", "canbo.xa", "--market", str(office.market.id)]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert "3 dòng hợp lệ" in result.output and count(session, Vendor) == 0
    result = runner.invoke(args=[*args, "--commit"])
    assert result.exit_code == 0 and "Đã nhập 3 tiểu thương." in result.output
    assert count(session, Vendor) == 3
    result = runner.invoke(args=args)
    assert result.exit_code == 1 and "Đã có tiểu thương trùng" in result.output
