"""QR pages: the bank directory (placards and codes come with the QR issue)."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required

from db import db
from qr.banks import list_banks

bp = Blueprint("qr", __name__, url_prefix="/qr")


@bp.get("/banks")
@login_required
def banks():
    return render_template("qr/banks.html", banks=list_banks(db.session))
