"""`flask jobs`: the long jobs' upkeep from the shell (a daily cron line runs the cleanup)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from jobs.runner import cleanup, output_dir, setting

jobs_cli = AppGroup("jobs", help="Việc chạy nền: dọn tệp đã quá hạn lưu giữ.")


@jobs_cli.command("cleanup")
def cleanup_command():
    """Xóa tệp của các việc đã xong quá JOB_FILES_MAX_AGE_DAYS ngày (trang của việc ghi là tệp
    đã hết hạn)."""
    app = current_app._get_current_object()
    removed = cleanup(app, quiet=False)
    days = float(setting(app, "JOB_FILES_MAX_AGE_DAYS"))
    click.echo(f"Đã xóa {removed} tệp quá {days:g} ngày trong {output_dir(app)}.")
