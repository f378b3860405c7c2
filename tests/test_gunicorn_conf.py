"""The production command as the README gives it: gunicorn with gunicorn.conf.py serves the app,
each worker warmed up before its first request (warmup.py), /healthz answering."""
from __future__ import annotations

import os
import runpy
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.conftest import TEST_SECRET

ROOT = Path(__file__).resolve().parent.parent


def test_the_settings_preload_the_app_and_run_threads():
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert settings["wsgi_app"] == "app:create_app()"
    assert settings["preload_app"] is True
    assert settings["worker_class"] == "gthread" and settings["threads"] >= 2
    assert settings["workers"] >= 3 and settings["timeout"] >= 60
    assert callable(settings["post_fork"]) and callable(settings["on_starting"])


def test_warming_up_lays_out_a_placard_before_any_request(app):
    from warmup import warm_up

    timings = warm_up(app)
    assert set(timings) == {"templates", "placard", "chart"}
    assert "weasyprint" in sys.modules


def test_gunicorn_serves_the_app_with_its_workers_warmed_up(database_url, tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = dict(os.environ, DATABASE_URL=database_url, SECRET_KEY=TEST_SECRET,
               CHO40_ENV="development", PRODUCT_IMAGES_DIR=str(tmp_path / "images"))
    env.pop("REDIS_URL", None)
    log = tmp_path / "gunicorn.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--workers", "1",
             "--bind", f"127.0.0.1:{port}"], cwd=ROOT, env=env, stdout=output,
            stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz") as answer:
                        assert answer.status == 200
                        break
                except OSError:
                    assert server.poll() is None, log.read_text()
                    assert time.monotonic() < deadline, log.read_text()
                    time.sleep(0.1)
        finally:
            server.terminate()
            server.wait(timeout=30)
    # The worker took its first request only once warmed up (post_fork runs before it serves).
    assert "Templates compiled" in log.read_text()
    assert "warmed up: placard" in log.read_text()
