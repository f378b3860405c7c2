"""What the vendor pages share: the trader's page itself (shown again with a refused change's
messages by the forms on it) and the list of possible duplicates the forms show."""
from __future__ import annotations

import datetime as dt

from flask import render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from accounts.permissions import EDIT_VENDORS, RECORD_VISITS, SEE_CONTACT_DETAILS
from audit.service import vendor_history
from db import db
from errors import translate
from qr.placard_data import vendor_placard
from vendors.visits import vendor_visits


def detail_page(vendor, errors: dict | None = None):
    """The trader's page: details, membership, payment methods, placard, visits, changes; with
    `errors`, a refused change's messages beside its form."""
    return render_template(
        "vendors/detail.html", vendor=vendor, placard=vendor_placard(db.session, vendor.id),
        show_contact=SEE_CONTACT_DETAILS.allows(current_user),
        visits=vendor_visits(db.session, vendor.id), may_visit=RECORD_VISITS.allows(current_user),
        may_edit=EDIT_VENDORS.allows(current_user), history=vendor_history(db.session, vendor.id),
        errors=errors or {}, today=dt.date.today(),
    )


def duplicate_rows(matches) -> list[dict]:
    """Possible duplicates as the forms list them, each with a link to the vendor."""
    return [{
        "vendor_id": match.vendor_id,
        "label": match.name or _("Tiểu thương số %(id)s (ngoài địa bàn của bạn)",
                                 id=match.vendor_id),
        "market_name": match.market_name,
        "summary": _("trùng %(what)s",
                     what=", ".join(translate(label) for label in match.reason_labels)),
        "url": url_for("vendors.detail", vendor_id=match.vendor_id),
    } for match in matches]
