"""Reading PDFs back as a person with a phone would: poppler rasterises the pages, zxing-cpp finds
and reads the QR codes on them, pdffonts and pdftotext say what fonts and text went in."""

from __future__ import annotations

import math
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import zxingcpp
from PIL import Image

MM_PER_INCH = 25.4


@dataclass(frozen=True)
class FoundCode:
    page: int  # 1-based
    payload: str
    x: float  # centre, in mm from the page's left edge
    y: float  # centre, in mm from the page's top edge
    width_mm: float  # the symbol's width, finder pattern edge to edge (quiet zone not included)
    ec_level: str


def rasterise(pdf: bytes, dpi: int = 100) -> list[Image.Image]:
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "in.pdf"
        source.write_bytes(pdf)
        # Grey PGM: what a scanner or a phone sees, without the time PNG compression takes.
        subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-gray", str(source), f"{folder}/page"],
            check=True,
            capture_output=True,
        )
        pages = sorted(Path(folder).glob("page-*.pgm"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
        images = []
        for page in pages:
            with Image.open(page) as image:
                images.append(image.copy())
        return images


def read_codes(pdf: bytes, dpi: int = 100) -> list[FoundCode]:
    """Every QR code on every page, in reading order: page, then row, then column."""
    found = []
    for number, image in enumerate(rasterise(pdf, dpi), start=1):
        for barcode in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode):
            position = barcode.position
            corners = [
                position.top_left,
                position.top_right,
                position.bottom_right,
                position.bottom_left,
            ]
            x = sum(point.x for point in corners) / 4 * MM_PER_INCH / dpi
            y = sum(point.y for point in corners) / 4 * MM_PER_INCH / dpi
            width = (
                math.dist(
                    (position.top_left.x, position.top_left.y),
                    (position.top_right.x, position.top_right.y),
                )
                * MM_PER_INCH
                / dpi
            )
            found.append(FoundCode(number, barcode.text, x, y, width, barcode.ec_level))
    # Codes on one row of a sheet are within a few mm of each other vertically.
    return sorted(found, key=lambda code: (code.page, round(code.y / 20), code.x))


def fonts(pdf: bytes) -> list[dict]:
    """pdffonts' table: one dict a font (name, type, emb, sub, uni)."""
    out = _poppler("pdffonts", pdf)
    rows = []
    for line in out.splitlines()[2:]:
        parts = line.split()
        if not parts:
            continue
        # name, then the type (may have spaces), encoding, emb, sub, uni, object number, generation
        rows.append({"name": parts[0], "emb": parts[-5], "sub": parts[-4], "uni": parts[-3]})
    return rows


def text(pdf: bytes) -> str:
    return _poppler("pdftotext", pdf, "-layout", "-enc", "UTF-8")


def page_sizes_mm(pdf: bytes) -> list[tuple[float, float]]:
    out = _poppler("pdfinfo", pdf, "-f", "1", "-l", "9999")
    sizes = []
    for line in out.splitlines():
        if line.startswith("Page") and "size:" in line:
            _, _, value = line.partition("size:")
            width, _, height = value.split()[:3]
            sizes.append(
                (round(float(width) / 72 * MM_PER_INCH), round(float(height) / 72 * MM_PER_INCH))
            )
    return sizes


def _poppler(tool: str, pdf: bytes, *options: str) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as source:
        source.write(pdf)
        source.flush()
        command = [tool, *options, source.name] + (["-"] if tool == "pdftotext" else [])
        return subprocess.run(command, check=True, capture_output=True, text=True).stdout
