"""The background job that prints many markets' placard sheets (a province's run): one market's
PDF, or a zip of one PDF per market."""

from __future__ import annotations

import datetime as dt
import zipfile

from sqlalchemy import select

from db import vietnamese_order
from domain_errors import N_, Invalid
from files import atomic_output
from jobs.service import JobContext
from market.models import Market
from qr.pdf import render_market_placards
from qr.placard_data import count_market_placards, file_slug, market_placards


def run_placards_job(context: JobContext) -> str:
    """jobs task "placards": params {"market_ids": [...], "per_page": 1|2|4, "day": ISO date}.
    One market gives its PDF; several give a zip of one PDF per market that has placards."""
    session = context.session
    day = dt.date.fromisoformat(context.params["day"])
    per_page = int(context.params.get("per_page", 4))
    markets = session.execute(
        select(Market.id, Market.name)
        .where(Market.id.in_(context.params["market_ids"]))
        .order_by(vietnamese_order(Market.name), Market.id)
    ).all()
    total = count_market_placards(session, [market_id for market_id, _ in markets], day=day)
    context.progress(0, total)
    done = 0

    def sheets_of(market_id: int, name: str) -> bytes | None:
        nonlocal done
        placards = market_placards(session, market_id, day=day)
        if not placards:
            return None
        start = done
        pdf = render_market_placards(
            placards,
            per_page,
            title=f"Mã QR thanh toán — {name}",
            progress=lambda placed: context.progress(start + placed, total),
        )
        done = start + len(placards)
        return pdf

    if len(markets) == 1:
        market_id, name = markets[0]
        pdf = sheets_of(market_id, name)
        if pdf is None:
            raise Invalid(N_("Chợ %(market)s chưa có tiểu thương nào có tài khoản ngân hàng đang "
                             "dùng.", market=name))
        file_name = f"ma-qr-{file_slug(name, market_id)}-{per_page}.pdf"
        with atomic_output(context.output_dir / f"job-{context.job_id}-{file_name}") as out:
            out.write(pdf)
        return f"job-{context.job_id}-{file_name}"

    file_name = f"job-{context.job_id}-ma-qr-{len(markets)}-cho-{per_page}.zip"
    # PDFs are compressed already: stored, not deflated again.
    with (
        atomic_output(context.output_dir / file_name) as out,
        zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive,
    ):
        for market_id, name in markets:
            pdf = sheets_of(market_id, name)
            if pdf is not None:
                archive.writestr(f"ma-qr-{file_slug(name, market_id)}.pdf", pdf)
    return file_name
