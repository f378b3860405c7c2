"""The job table: what was asked, by whom, how far it got, and the file it made."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db import UTCDateTime, db, enum_column, utcnow
from domain_errors import Message


class JobStatus(str, enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Job(db.Model):
    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(50))  # a kind the app registers (jobs.runner.init_app)
    params: Mapped[dict] = mapped_column(JSON)
    # Queued jobs wait for a slot (jobs.service.claim_next: so many running per person and in
    # all); indexed, as every start counts the running ones.
    status: Mapped[JobStatus] = mapped_column(enum_column(JobStatus), default=JobStatus.QUEUED,
                                              index=True)
    # Units of work (placards for a placard run); total is None until the task has counted them.
    progress_done: Mapped[int] = mapped_column(default=0)
    progress_total: Mapped[int | None]
    # A file name in the jobs folder of the instance, set once the file is complete.
    output_name: Mapped[str | None] = mapped_column(String(200))
    # Why it failed, for the person who asked: a msgid of the catalogue and its values, so the
    # page says it in the reader's language (error_message).
    error: Mapped[str | None] = mapped_column(Text)
    error_params: Mapped[dict | None] = mapped_column(JSON)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # When the process running it last reported (claim and every progress report): a running
    # job silent for long has lost its process (jobs.service.ABANDONED_AFTER).
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The process running it ("host:pid:boot", jobs.service.RUNNER_ID), so that one of this
    # machine that has stopped is known at once rather than after ABANDONED_AFTER.
    runner: Mapped[str | None] = mapped_column(String(100))
    # When its file was removed, kept for so many days (JOB_FILES_MAX_AGE_DAYS): its page and
    # download then say the file has expired.
    file_expired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)

    @property
    def file_expired(self) -> bool:
        return self.file_expired_at is not None

    @property
    def download_name(self) -> str | None:
        """The output file's name for the person downloading it (stored as job-<id>-<name>)."""
        return self.output_name.removeprefix(f"job-{self.id}-") if self.output_name else None

    @property
    def error_message(self) -> Message | None:
        return Message(self.error, **(self.error_params or {})) if self.error else None

    @property
    def percent(self) -> int:
        if self.status is JobStatus.DONE:
            return 100
        if not self.progress_total:
            return 0
        return min(100, self.progress_done * 100 // self.progress_total)
