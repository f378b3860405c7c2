"""The files a browser asks the site for whatever the page: /favicon.ico, at the root where every
browser looks first, and the service worker at /sw.js, whose place sets which pages it may keep
(all of the site). The icons and the web app manifest are in static/, linked from base.html."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, send_from_directory

bp = Blueprint("site", __name__)


@bp.get("/favicon.ico")
def favicon():
    return send_from_directory(current_app.static_folder, "favicon.ico",
                               mimetype="image/vnd.microsoft.icon")


@bp.get("/sw.js")
def service_worker():
    # Never kept by the browser's HTTP cache, so a new version reaches phones on their next visit.
    response = send_from_directory(current_app.static_folder, "sw.js", mimetype="text/javascript",
                                   max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/offline")
def offline():
    """What the phone shows for a page it has not kept when there is no signal."""
    return render_template("offline.html")
