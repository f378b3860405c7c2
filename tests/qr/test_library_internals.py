"""WeasyPrint's and python-qrcode's internals: used from one module only, only with the versions
they were tested against (else one warning line, and the public path), and not at all on the
public path."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from qr import library_internals, render
from qr.pdf import render_market_placards, render_vendor_placard
from qr.placard_data import market_placards
from tests.qr import pdf_checks

ROOT = Path(__file__).resolve().parents[2]

# Names only a library's internals have (or ways of reaching into them).
INTERNALS = (
    "makeImpl", "data_cache", "setup_position_probe_pattern", "setup_position_adjust_pattern",
    "setup_timing_pattern", "setup_type_info", "setup_type_number", "rs_blocks", "_page_box",
    "draw_text", "formatting_structure", "stream.stream", ".clone()", ".paint = ", ".anchors",
)


def test_no_other_module_reaches_into_the_libraries():
    checked = 0
    for folder, subfolders, files in os.walk(ROOT):  # not into .venv, a link
        subfolders[:] = [name for name in subfolders
                         if not name.startswith((".", "__")) and name not in ("tests", "instance")]
        for name in files:
            path = Path(folder, name)
            if name.endswith(".py") and path != ROOT / "qr" / "library_internals.py":
                text = path.read_text(encoding="utf-8")
                assert [name for name in INTERNALS if name in text] == [], path
                checked += 1
    assert checked > 50


def test_the_versions_pinned_are_those_the_internals_were_tested_against():
    requirements = (ROOT / "requirements.txt").read_text()
    pinned = dict(re.findall(r"^(weasyprint|qrcode)==(\S+)", requirements, re.MULTILINE))
    assert pinned == library_internals.TESTED_VERSIONS
    installed = {name: library_internals.installed_version(name) for name in pinned}
    assert installed == pinned


def _import_with(versions: dict[str, str], **environment: str):
    """Import qr.library_internals in a fresh Python with these versions reported installed: the
    flags it sets, and the lines it logs."""
    script = (
        "import importlib.metadata, json, logging, sys\n"
        "real, fake = importlib.metadata.version, json.loads(sys.argv[1])\n"
        "importlib.metadata.version = lambda name: fake.get(name) or real(name)\n"
        "logging.basicConfig(format='%(levelname)s %(name)s: %(message)s')\n"
        "from qr import library_internals as internals\n"
        "print(json.dumps([internals.USE_WEASYPRINT_INTERNALS, internals.USE_QRCODE_INTERNALS]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, json.dumps(versions)],
        cwd=ROOT, capture_output=True, text=True, check=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), **environment},
    )
    return json.loads(done.stdout), done.stderr.splitlines()


def test_with_the_tested_versions_the_internals_are_used_and_nothing_is_logged():
    assert _import_with({}) == ([True, True], [])


def test_another_weasyprint_takes_its_public_api_and_says_so_in_one_line():
    flags, lines = _import_with({"weasyprint": "71.0"})
    assert flags == [False, True]
    assert len(lines) == 1
    assert lines[0].startswith("WARNING qr.library_internals: ")
    assert "weasyprint 71.0 is installed, not the 70.0" in lines[0]
    assert "placards are drawn through WeasyPrint's public API" in lines[0]
    assert "qrcode" not in lines[0]


def test_another_qrcode_takes_its_public_api_and_says_so_in_one_line():
    flags, lines = _import_with({"qrcode": "9.0"})
    assert flags == [True, False]
    assert len(lines) == 1
    assert "qrcode 9.0 is installed, not the 8.2" in lines[0]
    assert "QR codes are encoded through python-qrcode's public API" in lines[0]
    assert "weasyprint" not in lines[0]


def test_both_libraries_other_still_make_one_line():
    flags, lines = _import_with({"weasyprint": "69.1", "qrcode": "7.4.2"})
    assert flags == [False, False]
    assert len(lines) == 1
    assert "weasyprint 69.1" in lines[0] and "qrcode 7.4.2" in lines[0]


def test_the_environment_can_switch_the_internals_off():
    flags, lines = _import_with({}, CHO40_LIBRARY_INTERNALS="off")
    assert flags == [False, False]
    assert len(lines) == 1 and "CHO40_LIBRARY_INTERNALS=off" in lines[0]


def test_the_public_path_uses_none_of_the_internals(session, market, public_api, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a library internal was used on the public path")

    for name in ("qrcode_blocks", "qrcode_blank_symbols", "qrcode_function_patterns",
                 "take_anchor", "StampedText", "paint_over", "cut_mark_operators",
                 "write_pdf_lazily"):
        monkeypatch.setattr(library_internals, name, refuse)
    monkeypatch.setattr(render, "_encode", refuse)
    placards = market_placards(session, market.id)
    sheets = render_market_placards(placards, 4)
    assert [code.payload for code in pdf_checks.read_codes(sheets)] == [
        placard.payload for placard in placards
    ]
    card = render_vendor_placard(placards[0], "a6")
    assert [code.payload for code in pdf_checks.read_codes(card)] == [placards[0].payload]
