"""Uploads checked before they are parsed (uploads.py, issue 12): an .xlsx bomb refused from its
ZIP directory with the memory of the process checking it measured, shared strings counted before
openpyxl keeps them, CSV cells past the csv module's own limit said rather than a 500, rows,
columns and cells held to their limits, pictures to their pixels and bytes, every limit a setting,
and the files kept for a job deleted once used or a day old."""
from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

import uploads
from accounts.models import Role
from accounts.service import Scope
from catalog_export.images import ImageRefused, ImageTooLarge, process_upload
from db import utcnow
from files import atomic_output
from qr.scan import ScanError, read_payment_code
from tests.factories import DAI_TU, login, make_market, make_user
from uploads import DEFAULTS, UploadRefused, UploadTooLarge, check_xlsx, delete_stale_files
from vendors.import_file import read_sheet
from vendors.import_template import template_workbook
from vendors.models import ImportUpload

ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024
# The peak a check may cost, whatever the file: openpyxl given the bomb below takes over 1 GB.
MEMORY_CEILING = 300 * MB

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    'package/2006/content-types"><Default Extension="rels" ContentType="application/'
    'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
    '"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName='
    '"/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
    'spreadsheetml.worksheet+xml"/><Override PartName="/{strings}" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
_PACKAGE_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.'
    'org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.'
    'org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    '</Relationships>')
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
    'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.'
    'org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.'
    'org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/sharedStrings" Target="/{strings}"/></Relationships>')
_SHEET = (
    '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
    'spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" '
    't="s"><v>1</v></c></row></sheetData></worksheet>')


def xlsx_with_strings(strings, *, part: str = "xl/sharedStrings.xml") -> bytes:
    """An .xlsx whose shared strings part (named `part`, found by its content type as openpyxl
    finds it) holds `strings`, written as they come: the file stays small when they repeat."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES.format(strings=part))
        archive.writestr("_rels/.rels", _PACKAGE_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS.format(strings=part))
        archive.writestr("xl/worksheets/sheet1.xml", _SHEET)
        with archive.open(part, "w", force_zip64=True) as shared:
            shared.write(b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.'
                         b'openxmlformats.org/spreadsheetml/2006/main">')
            for chunk in strings:
                shared.write(chunk)
            shared.write(b"</sst>")
    return out.getvalue()


def shared_strings_bomb(unpacked: int = 419 * MB) -> bytes:
    """The file of the issue: a few hundred KB whose shared strings unpack to `unpacked` bytes
    of short strings ("Họ và tên" and "Số điện thoại" first, so the file reads as a list)."""
    first = "<si><t>Họ và tên</t></si><si><t>Số điện thoại</t></si>".encode()
    chunk = b"<si><t>a</t></si>" * 60_000  # about 1 MB

    def strings():
        yield first
        for _ in range(unpacked // len(chunk)):
            yield chunk
    return xlsx_with_strings(strings())


def distinct_strings_file(count: int) -> bytes:
    """Shared strings that each differ, so they pack as ordinary text does (under the ratio
    limit): only their number gives them away."""
    def strings():
        yield "<si><t>Họ và tên</t></si><si><t>Số điện thoại</t></si>".encode()
        for start in range(0, count, 10_000):
            yield "".join(f"<si><t>Nguyễn Văn {n:07d}</t></si>"
                          for n in range(start, min(start + 10_000, count))).encode()
    return xlsx_with_strings(strings(), part="xl/chuoi.xml")


_CHILD = """
import json, re, sys
from vendors.import_file import read_sheet
from domain_errors import DomainError
data = open(sys.argv[1], "rb").read()
try:
    read_sheet(data)
    outcome = "read"
except DomainError as error:
    outcome = error.details.get("limit") or error.code
# The peak resident memory of this process since it started (VmHWM, kB). Not getrusage's
# ru_maxrss: Linux carries that across execve, so it would be the parent's (the test worker's).
with open("/proc/self/status") as status:
    peak = int(re.search(r"VmHWM:\\s+(\\d+) kB", status.read()).group(1)) * 1024
print(json.dumps({"outcome": outcome, "peak": peak}))
"""


def check_in_a_process_of_its_own(tmp_path, data: bytes) -> dict:
    """read_sheet(data) in a new Python process: how it ended, and that process's peak resident
    memory, which counts openpyxl's C and Python allocations alike."""
    path = tmp_path / "upload.xlsx"
    path.write_bytes(data)
    done = subprocess.run([sys.executable, "-c", _CHILD, str(path)], cwd=ROOT, check=True,
                          capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- .xlsx bombs ----------------------------------------------------------------------------------


def test_the_xlsx_bomb_of_the_issue_is_refused_with_the_checking_process_under_300_mb(tmp_path):
    bomb = shared_strings_bomb()
    # A small file, well within the bytes an upload may have...
    assert len(bomb) < 2 * MB < DEFAULTS.spreadsheet_max_bytes
    with zipfile.ZipFile(io.BytesIO(bomb)) as archive:  # ...unpacking to 419 MB
        assert archive.getinfo("xl/sharedStrings.xml").file_size > 400 * MB
    result = check_in_a_process_of_its_own(tmp_path, bomb)
    assert result["outcome"] == "zip_max_member_bytes"
    assert result["peak"] < MEMORY_CEILING, result


def test_a_bomb_of_distinct_strings_within_the_ratio_is_refused_by_their_count(tmp_path):
    many = distinct_strings_file(DEFAULTS.xlsx_max_shared_strings + 10)
    with zipfile.ZipFile(io.BytesIO(many)) as archive:
        part = archive.getinfo("xl/chuoi.xml")
    assert part.file_size / part.compress_size < DEFAULTS.zip_max_ratio
    assert part.file_size < DEFAULTS.zip_max_member_bytes
    result = check_in_a_process_of_its_own(tmp_path, many)
    assert result["outcome"] == "xlsx_max_shared_strings"
    assert result["peak"] < MEMORY_CEILING, result


def test_openpyxl_never_sees_a_refused_file(monkeypatch):
    import openpyxl

    opened = []
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: opened.append(a))
    for bomb in (shared_strings_bomb(60 * MB), distinct_strings_file(200_100)):
        with pytest.raises(UploadTooLarge):
            read_sheet(bomb)
    assert opened == []


def test_each_zip_limit_is_named_when_it_is_passed():
    packed = shared_strings_bomb(20 * MB)  # 1 MB and more, packed about a thousand times
    for settings, limit in [
        ({"UPLOAD_ZIP_MAX_RATIO": 100}, "zip_max_ratio"),
        ({"UPLOAD_ZIP_MAX_MEMBER_BYTES": 10 * MB}, "zip_max_member_bytes"),
        ({"UPLOAD_ZIP_MAX_UNPACKED_BYTES": 10 * MB}, "zip_max_unpacked_bytes"),
        ({"UPLOAD_ZIP_MAX_MEMBERS": 5}, "zip_max_members"),
    ]:
        lim = uploads.Limits.from_settings({"UPLOAD_ZIP_MAX_RATIO": 10_000, **settings})
        with pytest.raises(UploadTooLarge) as refused:
            check_xlsx(packed, lim)
        assert refused.value.details["limit"] == limit
        assert refused.value.status == 413
    # Within every limit the same file passes (it is then refused for its strings' count).
    check_xlsx(packed, uploads.Limits.from_settings({
        "UPLOAD_ZIP_MAX_RATIO": 10_000, "UPLOAD_XLSX_MAX_SHARED_STRINGS": 10**9}))


def test_the_shared_strings_are_counted_across_chunk_boundaries():
    # 1,234,567 strings of 17 bytes: the 1 MB chunks cut through many of them.
    exact = xlsx_with_strings([b"<si><t>a</t></si>" * 1_234_567])
    check_xlsx(exact, uploads.Limits.from_settings({
        "UPLOAD_ZIP_MAX_RATIO": 10_000, "UPLOAD_XLSX_MAX_SHARED_STRINGS": 1_234_567}))
    with pytest.raises(UploadTooLarge):
        check_xlsx(exact, uploads.Limits.from_settings({
            "UPLOAD_ZIP_MAX_RATIO": 10_000, "UPLOAD_XLSX_MAX_SHARED_STRINGS": 1_234_566}))


def test_the_import_template_and_an_ordinary_list_pass_the_checks():
    check_xlsx(template_workbook())
    sheet = read_sheet(template_workbook())
    assert sheet.rows[0].values["name"] == "Nguyễn Thị Hoa"


# --- Over HTTP: the import ----------------------------------------------------------------------


@pytest.fixture
def staff_client(app, client, session, tmp_path):
    app.config.update(JOBS_DIR=str(tmp_path / "jobs"), REDIS_URL=None)
    make_market(session, name="Chợ Đại Từ", ward_code=DAI_TU)
    make_user(session, Role.COMMUNE_STAFF, Scope(ward_code=DAI_TU), username="canbo.upload")
    session.commit()
    login(client, "canbo.upload")
    return client


def _post(client, data: bytes, filename: str):
    return client.post("/vendors/import", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(data), filename), "market_id": ""})


def _kept(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(ImportUpload))


def test_the_bomb_posted_to_the_import_is_413_with_the_limit_and_nothing_is_kept(
        staff_client, session):
    response = _post(staff_client, shared_strings_bomb(), "danh-sach.xlsx")
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "xl/sharedStrings.xml" in page and "quá mức 50 MB cho một phần" in page
    assert _kept(session) == 0


def test_a_csv_field_past_the_csv_modules_own_limit_is_422_not_a_500(staff_client, session):
    huge = "Họ và tên,Số điện thoại\r\nNguyễn Thị Hoa,0912345678\r\n" + "A" * 140_000 + ",1\r\n"
    response = _post(staff_client, huge.encode(), "danh-sach.csv")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f"Dòng 3 có một ô dài quá {DEFAULTS.table_max_cell_chars} ký tự." in page
    assert _kept(session) == 0


def test_a_cell_over_the_limit_is_refused_naming_its_row_column_and_the_limit():
    long_name = "Nguyễn " * 400  # 2,800 characters
    data = f"Họ và tên;Số điện thoại\r\nHoa;0912345678\r\n{long_name};1\r\n".encode()
    with pytest.raises(UploadRefused) as refused:
        read_sheet(data)
    assert str(refused.value.message) == (
        f"Ô A ở dòng 3 dài {len(long_name)} ký tự, quá mức 2000 ký tự một ô.")
    assert refused.value.status == 422


def test_a_row_with_values_past_the_last_column_allowed_is_refused():
    columns = DEFAULTS.table_max_columns
    header = ["Họ và tên", "Số điện thoại"] + [f"Cột {n}" for n in range(columns)]
    data = ",".join(header).encode() + b"\r\nHoa,0912345678\r\n"
    with pytest.raises(UploadRefused) as refused:
        read_sheet(data)
    assert refused.value.details["limit"] == "table_max_columns"
    assert "tối đa 60 cột" in str(refused.value.message)


def test_the_limits_are_the_apps_settings(app, staff_client, session):
    app.config.update(UPLOAD_SPREADSHEET_MAX_BYTES=1024)
    data = ("Họ và tên,Số điện thoại\r\n" + "Nguyễn Thị Hoa,0912345678\r\n" * 60).encode()
    response = _post(staff_client, data, "danh-sach.csv")
    assert response.status_code == 413
    assert "quá mức 1 KB cho một tệp tải lên" in response.get_data(as_text=True)
    app.config.update(UPLOAD_SPREADSHEET_MAX_BYTES=DEFAULTS.spreadsheet_max_bytes,
                      UPLOAD_TABLE_MAX_ROWS=10)
    response = _post(staff_client, data, "danh-sach.csv")
    assert response.status_code == 422 and "Tệp có hơn 10 dòng" in response.get_data(as_text=True)
    assert _kept(session) == 0


def test_the_page_says_the_limit_in_english_too(app, staff_client):
    with staff_client.session_transaction() as browser:
        browser["lang"] = "en"
    response = _post(staff_client, shared_strings_bomb(60 * MB), "list.xlsx")
    assert response.status_code == 413
    assert "over the limit of 50 MB for one part" in response.get_data(as_text=True)


# --- Pictures -------------------------------------------------------------------------------------


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def test_product_photos_and_sticker_scans_take_their_limits_from_the_settings(app):
    photo = _png(400, 300)
    with app.app_context():
        assert process_upload(photo).width == 400
        app.config.update(UPLOAD_IMAGE_MAX_PIXELS=100_000)
        with pytest.raises(ImageRefused) as refused:
            process_upload(photo)
        assert refused.value.details["reason"] == "too_many_pixels"
        app.config.update(UPLOAD_SCAN_MAX_PIXELS=100_000)
        with pytest.raises(ScanError) as unreadable:
            read_payment_code(photo)
        assert "400×300" in str(unreadable.value.message)
        app.config.update(UPLOAD_IMAGE_MAX_BYTES=len(photo) - 1)
        with pytest.raises(ImageTooLarge) as too_big:
            process_upload(photo)
        assert too_big.value.status == 413
        with pytest.raises(UploadTooLarge) as too_big:
            read_payment_code(photo)
        assert too_big.value.details["limit"] == "image_max_bytes"


# --- Files kept for a job -----------------------------------------------------------------------


def test_a_file_written_for_a_job_is_private(tmp_path):
    with atomic_output(tmp_path / "template-1-ab.xlsx") as out:
        out.write(b"PK")
    assert stat.S_IMODE((tmp_path / "template-1-ab.xlsx").stat().st_mode) == 0o600


def test_files_kept_for_a_job_are_deleted_after_a_day(tmp_path):
    old, new, other = (tmp_path / "template-1-a.xlsx", tmp_path / "template-2-b.xlsx",
                       tmp_path / "export-1.csv")
    for path in (old, new, other):
        path.write_bytes(b"x")
    day_ago = time.time() - 86_400 - 60
    os.utime(old, (day_ago, day_ago))
    os.utime(other, (day_ago, day_ago))
    assert delete_stale_files(tmp_path, "template-*.xlsx") == 1
    assert (old.exists(), new.exists(), other.exists()) == (False, True, True)
    assert delete_stale_files(tmp_path / "missing", "*") == 0


def test_purge_uploads_deletes_the_import_files_a_day_old(app, session, runner):
    import datetime as dt

    user = make_user(session, Role.COMMUNE_STAFF, Scope(ward_code=DAI_TU), username="canbo.purge")
    session.flush()
    for age in (dt.timedelta(hours=1), dt.timedelta(days=1, minutes=1)):
        session.add(ImportUpload(uploaded_by=user.id, filename="a.csv", size=1, sha256="0" * 64,
                                 data=b"x", uploaded_at=utcnow() - age))
    session.commit()
    result = runner.invoke(args=["vendors", "purge-uploads"])
    assert result.exit_code == 0, result.output
    assert "Đã xoá 1 tệp" in result.output
    assert _kept(session) == 1
