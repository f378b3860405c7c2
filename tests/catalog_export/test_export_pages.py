"""The export pages, API and job: a manager starts an export with a template and the images
ZIP, the job runs in-process, its page and history say what was written and what was left out
and why, the files download; a bad template is refused before anything is recorded; photos of
products on sale are public, a draft's are not."""
from __future__ import annotations

import datetime as dt
import io
import os
import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, update

from accounts.service import issue_api_token
from catalog_export.models import CatalogExport
from db import utcnow
from jobs.models import Job, JobStatus
from jobs.runner import wait_for_threads
from tests.catalog_export.export_world import TEA_NAME, build_export_world, shopee_template
from tests.factories import login


@pytest.fixture
def world(app, session, client, tmp_path):
    app.config.update(JOBS_DIR=str(tmp_path / "jobs"), REDIS_URL=None,
                      PRODUCT_IMAGES_DIR=str(tmp_path / "images"),
                      PUBLIC_BASE_URL=None)
    built = build_export_world(session, tmp_path / "images")
    assert login(client, built.manager.username).status_code == 302
    return built


def test_a_manager_exports_with_a_template_and_downloads_the_file_and_its_images(
        client, session, world):
    form = {"platform": "shopee", "with_images_zip": "1",
            "template": (io.BytesIO(shopee_template()), "mau-shopee.xlsx")}
    started = client.post(f"/catalog/{world.cooperative.id}/export", data=form,
                          content_type="multipart/form-data")
    assert started.status_code == 303
    wait_for_threads(timeout=60)
    page = client.get(started.headers["Location"])
    assert page.status_code == 200 and "Refresh" not in page.headers
    html = page.get_data(as_text=True)
    record = session.scalars(select(CatalogExport)).one()
    job = session.get(Job, record.job_id)
    assert job.status is JobStatus.DONE and job.kind == "catalog_export"
    assert "Chưa có mô tả sản phẩm; Shopee cần mô tả." in html  # why the honey was left out
    download = client.get(f"/catalog/exports/{record.id}/file")
    assert download.status_code == 200
    assert record.download_name in download.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(download.data))["Template"]
    assert [cell.value for cell in sheet[7]][1] == TEA_NAME
    assert [cell.value for cell in sheet[7]][7] == "TCH-001-1.jpg"
    images = client.get(f"/catalog/exports/{record.id}/images.zip")
    assert images.status_code == 200
    assert sorted(zipfile.ZipFile(io.BytesIO(images.data)).namelist()) == [
        "MO-002-1.jpg", "TCH-001-1.jpg"]
    # The template the job read is not kept.
    jobs_folder = Path(client.application.config["JOBS_DIR"])
    assert not any(path.name.startswith("template-") for path in jobs_folder.iterdir())
    history = client.get(f"/catalog/{world.cooperative.id}/exports").get_data(as_text=True)
    assert f"/catalog/exports/{record.id}/file" in history
    assert "Chưa có mô tả sản phẩm; Shopee cần mô tả." in history
    client.get("/lang/en")
    english = client.get(f"/catalog/{world.cooperative.id}/exports").get_data(as_text=True)
    assert "Export history" in english and "Chưa có mô tả" not in english


def test_a_bad_template_is_refused_with_its_reason_and_nothing_is_recorded(client, session,
                                                                           world):
    form = {"platform": "shopee",
            "template": (io.BytesIO(b"PK\x03\x04 hong"), "mau.xlsx")}
    answer = client.post(f"/catalog/{world.cooperative.id}/export", data=form,
                         content_type="multipart/form-data")
    assert answer.status_code == 422
    errors = dict(re.findall(r'<p class="field-error" id="(\w+)-error">([^<]*)</p>',
                             answer.get_data(as_text=True)))
    assert errors["template"].startswith("Tệp mẫu không đọc được")
    assert session.scalar(select(func.count()).select_from(CatalogExport)) == 0
    assert session.scalar(select(func.count()).select_from(Job)) == 0


def test_the_api_starts_an_export_and_gives_its_download_when_done(app, session, world):
    token = issue_api_token(session, world.manager, "tests")[1]
    session.commit()
    api = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    started = api.post(f"/api/v1/vendors/{world.cooperative.id}/exports",
                       json={"platform": "shopee"}, headers=headers)
    assert started.status_code == 202, started.get_json()
    wait_for_threads(timeout=60)
    entry = api.get(f"/api/v1/exports/{started.get_json()['id']}", headers=headers).get_json()
    # No public base URL and no ZIP asked for: the file has nothing to point the photos at.
    assert entry["status"] == "done" and entry["products_written"] == 0
    assert entry["left_out"][str(world.tea.id)] == [{
        "field": "images", "rule": "image_url_missing",
        "message": f"Ảnh {world.tea_photo} chưa có địa chỉ công khai (URL); tệp Shopee chỉ nhận "
                   "ảnh qua URL."}]
    assert entry["images_url"] is None
    file = api.get(entry["download_url"].removeprefix("http://localhost"), headers=headers)
    assert file.status_code == 200
    assert load_workbook(io.BytesIO(file.data)).active.max_row == 2  # labels and keys only
    refused = api.post(f"/api/v1/vendors/{world.cooperative.id}/exports",
                       json={"platform": "amazon"}, headers=headers)
    assert refused.status_code == 422


def test_photos_are_public_only_while_their_product_is_on_sale(app, session, world):
    anonymous = app.test_client()
    served = anonymous.get(f"/catalog/public-images/{world.tea_photo}")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert served.data[:3] == b"\xff\xd8\xff"
    assert "public" in served.headers["Cache-Control"]
    assert "max-age=604800" in served.headers["Cache-Control"]
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert anonymous.get(f"/catalog/public-images/{world.draft_photo}").status_code == 404
    assert anonymous.get("/catalog/public-images/..%2Fsecret.jpg").status_code == 404
    assert anonymous.get("/catalog/public-images/not-a-stored-name.jpg").status_code == 404


def test_an_export_past_its_time_says_its_files_expired_and_a_refused_one_records_nothing(
        app, client, session, world):
    started = client.post(f"/catalog/{world.cooperative.id}/export",
                          data={"platform": "shopee", "with_images_zip": "1"})
    assert started.status_code == 303
    wait_for_threads(timeout=60)
    record = session.scalars(select(CatalogExport)).one()
    session.execute(update(Job).where(Job.id == record.job_id)
                    .values(finished_at=utcnow() - dt.timedelta(days=8)))
    session.commit()
    folder = Path(app.config["JOBS_DIR"])
    # The images ZIP beside the file, written as long ago.
    eight_days_ago = (utcnow() - dt.timedelta(days=8)).timestamp()
    for path in folder.iterdir():
        os.utime(path, (eight_days_ago, eight_days_ago))
    assert app.test_cli_runner().invoke(args=["jobs", "cleanup"]).exit_code == 0
    assert list(folder.iterdir()) == []
    for part in ("file", "images.zip"):
        gone = client.get(f"/catalog/exports/{record.id}/{part}")
        assert gone.status_code == 410 and "quá 7 ngày lưu giữ" in gone.get_data(as_text=True)
    assert 'data-file="expired"' in client.get(f"/catalog/exports/{record.id}").get_data(
        as_text=True)
    token = issue_api_token(session, world.manager, "tests")[1]
    session.commit()
    api = app.test_client()
    answer = api.get(f"/api/v1/exports/{record.id}/file",
                     headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 410 and answer.get_json()["reason"] == "gone"

    # A manager with as many jobs waiting as one person may have is refused another export,
    # and neither the export nor its job is recorded.
    app.config["JOBS_WAITING_PER_USER"] = 0
    refused = client.post(f"/catalog/{world.cooperative.id}/export", data={"platform": "shopee"})
    assert refused.status_code == 429
    session.commit()
    assert session.scalar(select(func.count()).select_from(CatalogExport)) == 1
    assert session.scalar(select(func.count()).select_from(Job)) == 1
