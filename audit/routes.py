"""The audit page: who changed what and when, newest first, filtered and paged."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from accounts.permissions import SEE_CONTACT_DETAILS
from audit.schemas import AuditFilterArgs
from audit.service import ENTITY_KINDS, audit_entries
from db import db

bp = Blueprint("audit", __name__, url_prefix="/audit")


@bp.get("/")
@login_required
def index():
    args = AuditFilterArgs().load(request.args)
    filters = {name: args[name] for name in ("entity", "entity_id", "user", "since", "until")
               if args.get(name) is not None}
    page = audit_entries(db.session, current_user, page=args["page"], **filters)
    return render_template("audit/index.html", page=page, filters=filters,
                           entity_kinds=ENTITY_KINDS,
                           show_contact=SEE_CONTACT_DETAILS.allows(current_user))
