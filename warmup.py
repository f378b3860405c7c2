"""What a new web process does before its first request, so that no person waits for it: the
first placard of a process imports WeasyPrint and loads its fonts (about 1.1 s of a fresh
process, 0.05 s after); the first page of each template compiles it. gunicorn.conf.py calls
warm_up() in each worker before it takes requests. Touches no database."""
from __future__ import annotations

import time

from flask import Flask

# A placard of no one, to lay out once: a valid VietQR payload (bank 970436, account 0000000000).
_SAMPLE_ACCOUNT = "0000000000"


def warm_up(app: Flask) -> dict[str, float]:
    """Compile the app's templates, lay out one placard and draw one chart; seconds each took."""
    return {"templates": compile_templates(app), **lay_out_placard()}


def compile_templates(app: Flask) -> float:
    """Every page template compiled (pure Python: done once in gunicorn's master, the workers
    forked from it inherit them); seconds taken."""
    started = time.perf_counter()
    for name in app.jinja_env.list_templates(filter_func=lambda name: name.endswith(".html")):
        app.jinja_env.get_template(name)
    return time.perf_counter() - started


def lay_out_placard() -> dict[str, float]:
    """One placard laid out and one chart drawn, in this process (WeasyPrint's libraries and
    fonts are loaded in each worker, not before the fork); seconds each took."""
    timings = {}
    from qr.payload import build_vietqr
    from qr.pdf import render_vendor_placard
    from qr.placard_data import Placard

    started = time.perf_counter()
    render_vendor_placard(Placard(
        vendor_id=0, vendor_name="Nguyễn Thị Vân", account_holder="NGUYEN THI VAN",
        bank_short_name="Vietcombank", bank_bin="970436", account_number=_SAMPLE_ACCOUNT,
        stall_code="A-01", market_name="Chợ Đại Từ",
        payload=build_vietqr("970436", _SAMPLE_ACCOUNT)))
    timings["placard"] = time.perf_counter() - started

    from market.charts import bar_chart

    started = time.perf_counter()
    bar_chart("", ["—"], [50.0])
    timings["chart"] = time.perf_counter() - started
    return timings
