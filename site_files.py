"""The files a browser asks the site for whatever the page: /favicon.ico, at the root where every
browser looks first. The icons and the web app manifest are in static/, linked from base.html."""
from __future__ import annotations

from flask import Blueprint, current_app, send_from_directory

bp = Blueprint("site", __name__)


@bp.get("/favicon.ico")
def favicon():
    return send_from_directory(current_app.static_folder, "favicon.ico",
                               mimetype="image/vnd.microsoft.icon")
