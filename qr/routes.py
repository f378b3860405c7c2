"""QR pages: the bank directory, a vendor's placard and code, a market's placard sheets, and
background placard runs for every market in a person's scope."""

from __future__ import annotations

import datetime as dt
import io

from flask import (
    Blueprint,
    abort,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user, login_required

from accounts.permissions import PRINT_PLACARDS, job_owner_filter, market_scope, vendor_scope
from db import db
from domain_errors import N_, Invalid
from jobs.runner import downloadable_file, enqueue, job_page
from jobs.service import get_job, recent_jobs
from market.service import get_market
from qr.banks import list_banks
from qr.pdf import render_market_placards, render_vendor_placard
from qr.placard_data import file_slug, market_ids, market_placards, vendor_placard
from qr.render import qr_png, qr_svg
from qr.schemas import CodePngArgs, PlacardJobForm, SheetArgs, VendorPlacardArgs
from rate_limits import DOWNLOADS
from vendors.search import get_vendor

bp = Blueprint("qr", __name__, url_prefix="/qr")



@bp.get("/banks")
@login_required
def banks():
    return render_template("qr/banks.html", banks=list_banks(db.session))


@bp.get("/vendors/<int:vendor_id>/placard.pdf")
@login_required
@DOWNLOADS
def vendor_placard_pdf(vendor_id: int):
    args = VendorPlacardArgs().load(request.args)
    vendor, placard = _vendor_and_placard(vendor_id)
    pdf = render_vendor_placard(placard, args["size"])
    return _download(
        pdf, "application/pdf", f"ma-qr-{_vendor_file_name(vendor)}-{args['size']}.pdf"
    )


@bp.get("/vendors/<int:vendor_id>/code.png")
@login_required
def vendor_code_png(vendor_id: int):
    args = CodePngArgs().load(request.args)
    vendor, placard = _vendor_and_placard(vendor_id)
    return _download(
        qr_png(placard.payload, scale=args["scale"]),
        "image/png",
        f"ma-qr-{_vendor_file_name(vendor)}.png",
        attachment=False,
    )


@bp.get("/vendors/<int:vendor_id>/code.svg")
@login_required
def vendor_code_svg(vendor_id: int):
    vendor, placard = _vendor_and_placard(vendor_id)
    # 64 mm wide with its quiet zone: the code itself is then more than 50 mm wide when printed.
    svg = qr_svg(placard.payload, width="64mm").encode()
    return _download(
        svg, "image/svg+xml", f"ma-qr-{_vendor_file_name(vendor)}.svg", attachment=False
    )


@bp.get("/markets/<int:market_id>/placards.pdf")
@login_required
@DOWNLOADS
def market_placards_pdf(market_id: int):
    PRINT_PLACARDS.check(current_user)  # a whole market's sheets are a print run
    args = SheetArgs().load(request.args)
    market = _market_or_404(market_id)
    placards = market_placards(db.session, market.id)
    if not placards:
        return render_template("qr/no_placard.html", market=market), 404
    pdf = render_market_placards(
        placards, args["per_page"], title=f"Mã QR thanh toán — {market.name}"
    )
    return _download(
        pdf, "application/pdf", f"ma-qr-{file_slug(market.name, market.id)}-{args['per_page']}.pdf"
    )


@bp.get("/placards")
@login_required
def placard_runs():
    PRINT_PLACARDS.check(current_user)
    return render_template(
        "qr/placard_runs.html",
        market_count=len(market_ids(db.session, market_scope(current_user))),
        jobs=recent_jobs(db.session, created_by=current_user.id, kind="placards"),
    )


@bp.post("/placards/jobs")
@login_required
def start_placard_run():
    PRINT_PLACARDS.check(current_user)
    form = PlacardJobForm().load(request.form)
    if form["market_id"] is not None:
        ids = [_market_or_404(form["market_id"]).id]
    else:
        ids = market_ids(db.session, market_scope(current_user))
    if not ids:
        raise Invalid(N_("Không có chợ nào trong phạm vi của bạn."))
    job = enqueue(
        "placards",
        {"market_ids": ids, "per_page": form["per_page"], "day": dt.date.today().isoformat()},
        created_by=current_user.id,
    )
    return redirect(url_for("qr.job", job_id=job.id), code=303)


@bp.get("/jobs/<int:job_id>")
@login_required
def job(job_id: int):
    return job_page("qr/job.html", _job_or_404(job_id))


@bp.get("/jobs/<int:job_id>/download")
@login_required
@DOWNLOADS
def job_download(job_id: int):
    found = _job_or_404(job_id)
    return send_file(downloadable_file(found), as_attachment=True, download_name=found.download_name)


def _vendor_and_placard(vendor_id: int):
    """The vendor and its placard; a vendor without one gets a page saying why (404)."""
    vendor = get_vendor(db.session, vendor_id, vendor_scope(current_user))
    if vendor is None:
        abort(404)
    placard = vendor_placard(db.session, vendor.id)
    if placard is None:
        abort(make_response(render_template("qr/no_placard.html", vendor=vendor), 404))
    return vendor, placard


def _market_or_404(market_id: int):
    market = get_market(db.session, market_id, market_scope(current_user))
    if market is None:
        abort(404)
    return market


def _job_or_404(job_id: int):
    found = get_job(db.session, job_id, created_by=job_owner_filter(current_user))
    # The person's other jobs (imports, reports) have pages of their own.
    if found is None or found.kind != "placards":
        abort(404)
    return found


def _vendor_file_name(vendor) -> str:
    return file_slug(vendor.name, vendor.id)


def _download(data: bytes, mimetype: str, name: str, *, attachment: bool = True):
    return send_file(
        io.BytesIO(data), mimetype=mimetype, as_attachment=attachment, download_name=name
    )

