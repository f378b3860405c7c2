"""scripts/start as run a second time: its banner names the address the server is told to serve
on (PORT, HOST), and it prints what the database holds now. The real script runs against the
test's database with the real `flask demo load`; the installation steps of _setup.sh, the
catalogue and migration commands (tested elsewhere) and `flask run` itself (which would serve
until stopped) are stood in for."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import TEST_SECRET
from tests.factories import make_market, make_vendor

ROOT = Path(__file__).resolve().parent.parent
SETUP = """\
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
VENV="$ROOT/.venv"
RUNTIME_PACKAGES=()
say() { printf '%s\\n' "$*"; }
ensure_system_packages() { :; }
ensure_python() { :; }
ensure_requirements() { :; }
export FLASK_APP=app:create_app
"""
FLASK = """\
#!/usr/bin/env bash
case "$1" in
  run) echo "SERVING $*"; exit 0 ;;
  translations|db) echo "SKIPPED $*"; exit 0 ;;
esac
exec {flask} "$@"
"""


@pytest.fixture
def checkout(tmp_path):
    """A copy of scripts/start beside a stand-in _setup.sh and .venv/bin/flask."""
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "start", tmp_path / "scripts" / "start")
    (tmp_path / "scripts" / "_setup.sh").write_text(SETUP)
    flask = tmp_path / ".venv" / "bin" / "flask"
    flask.parent.mkdir(parents=True)
    flask.write_text(FLASK.format(flask=Path(sys.executable).with_name("flask")))
    flask.chmod(0o755)
    return tmp_path


def _start(checkout: Path, database_url: str, **env) -> str:
    environment = {name: value for name, value in os.environ.items() if name not in ("PORT", "HOST")}
    environment.update(DATABASE_URL=database_url, SECRET_KEY=TEST_SECRET, PYTHONPATH=str(ROOT),
                       **env)
    done = subprocess.run(["bash", str(checkout / "scripts" / "start")], check=False, env=environment,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_a_restart_names_the_port_it_serves_on_and_counts_the_database(
        checkout, database_url, session):
    market = make_market(session)
    for _ in range(3):
        make_vendor(session, market)
    session.commit()
    accounts = checkout / "instance" / "demo-accounts.txt"
    accounts.parent.mkdir()
    accounts.write_text("Đã nạp 27 chợ, 612 tiểu thương/HTX, 700 phương thức thanh toán, 90 lượt "
                        "xác minh, 9 sản phẩm với 12 ảnh, 5 nơi bán trực tuyến trong 9.1 giây.\n"
                        "  admin            mat-khau-1234  Quản trị viên — toàn quốc\n")

    output = _start(checkout, database_url, PORT="8123")
    assert "cho40 chạy ở http://127.0.0.1:8123 " in output
    assert "SERVING run --host 127.0.0.1 --port 8123" in output
    assert "Cơ sở dữ liệu hiện có 1 chợ, 3 tiểu thương/HTX" in output
    assert "612" not in output and "  admin            mat-khau-1234" in output
    assert "SKIPPED db upgrade" in output


def test_without_port_it_serves_on_5000_and_says_so_and_on_every_interface_too(
        checkout, database_url, session):
    make_market(session)  # a restart: no demo to load
    session.commit()
    output = _start(checkout, database_url)
    assert "cho40 chạy ở http://127.0.0.1:5000 " in output
    assert "SERVING run --host 127.0.0.1 --port 5000" in output
    output = _start(checkout, database_url, HOST="0.0.0.0")
    assert re.search(r"cho40 chạy ở http://127\.0\.0\.1:5000\b", output)
    assert "SERVING run --host 0.0.0.0 --port 5000" in output
