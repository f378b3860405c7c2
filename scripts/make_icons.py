"""Draws cho40's icon with Pillow and writes every file browsers and phones ask for: the favicon
(static/favicon.svg, static/favicon.ico at 16, 32 and 48 px) and the home-screen icons of the web
app manifest (static/icons/icon-192.png, icon-512.png, apple-touch-icon.png at 180 px).

The design, on a 100-unit square: the programme's green, a market stall's striped awning over a
QR code. Everything drawn lies within the central circle of radius 40, the "safe zone" a phone
may crop a maskable icon to. Run from the repository: python scripts/make_icons.py
"""
from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageDraw

STATIC = Path(__file__).resolve().parent.parent / "static"
GREEN = "#0b6e4f"  # --brand in static/css/app.css
WHITE = "#ffffff"
YELLOW = "#ffbf47"  # --focus in static/css/app.css
CORNER = 18  # the favicon's rounded corner; home-screen icons are full squares the phone shapes
# A favicon is never cropped: its drawing is larger, to read at 16 pixels.
FAVICON_ZOOM = 1.35

# The awning: four stripes from x=22 to 78, y=22 to 36, each ending in a scallop of radius 7.
AWNING = [(22 + 14 * i, 22, 36 + 14 * i, 36, WHITE if i % 2 == 0 else YELLOW) for i in range(4)]
SCALLOP = 7
# The QR code: a white square from (34, 46), 32 units wide, of 8×8 modules 3.5 units wide
# inside a margin of 2; "#" is a dark module. Three finder patterns in the corners, as on a code.
QR_ORIGIN, QR_SIZE, QR_MARGIN, QR_MODULE = (34, 46), 32, 2, 3.5
QR_MODULES = (
    "###..###",
    "#.#.##.#",
    "###..###",
    ".#..#.#.",
    "#.##..##",
    "###.#.#.",
    "#.#..##.",
    "###.#.##",
)


def _shapes(zoom: float = 1) -> list[tuple[str, tuple[float, ...], str]]:
    """The drawing as (kind, box in units, colour), in painting order, `zoom` times larger
    about the centre."""
    shapes: list[tuple[str, tuple[float, ...], str]] = []
    for left, top, right, bottom, colour in AWNING:
        shapes.append(("rect", (left, top, right, bottom), colour))
        middle = (left + right) / 2
        shapes.append(("disc", (middle - SCALLOP, bottom - SCALLOP, middle + SCALLOP,
                                bottom + SCALLOP), colour))
    x, y = QR_ORIGIN
    shapes.append(("rect", (x, y, x + QR_SIZE, y + QR_SIZE), WHITE))
    for row, modules in enumerate(QR_MODULES):
        for column, module in enumerate(modules):
            if module == "#":
                left = x + QR_MARGIN + column * QR_MODULE
                top = y + QR_MARGIN + row * QR_MODULE
                shapes.append(("rect", (left, top, left + QR_MODULE, top + QR_MODULE), GREEN))
    return [(kind, tuple(50 + (value - 50) * zoom for value in box), colour)
            for kind, box, colour in shapes]


def draw(size: int, *, favicon: bool) -> Image.Image:
    """The icon at `size` pixels: drawn four times larger, then scaled down (smooth edges). A
    favicon has rounded corners and a larger drawing; a home-screen icon is the full square."""
    big = size * 4
    scale = big / 100
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    if favicon:
        pen.rounded_rectangle((0, 0, big - 1, big - 1), radius=CORNER * scale, fill=GREEN)
    else:
        pen.rectangle((0, 0, big, big), fill=GREEN)
    for kind, box, colour in _shapes(FAVICON_ZOOM if favicon else 1):
        # Half-open boxes: a module ends where the next begins.
        pixels = tuple(round(value * scale) for value in box)
        pixels = (*pixels[:2], pixels[2] - 1, pixels[3] - 1)
        (pen.rectangle if kind == "rect" else pen.ellipse)(pixels, fill=colour)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def svg() -> str:
    """The same drawing as an SVG favicon (sharp at any size). Every page loads it, so it is
    kept small: neighbouring shapes of one colour make one path."""
    parts = [f'<rect width="100" height="100" rx="{CORNER}" fill="{GREEN}"/>']
    # Painting order matters only where shapes of different colours overlap: the awning's
    # stripes and scallops (drawn first), then the code's white square, then its modules.
    runs: list[tuple[str, list[str]]] = []
    for kind, (left, top, right, bottom), colour in _shapes(FAVICON_ZOOM):
        if kind == "rect":
            shape = f"M{left:g} {top:g}H{right:g}V{bottom:g}H{left:g}z"
        else:
            radius = (right - left) / 2
            shape = (f"M{left:g} {(top + bottom) / 2:g}a{radius:g} {radius:g} 0 0 1 "
                     f"{right - left:g} 0a{radius:g} {radius:g} 0 0 1 {left - right:g} 0z")
        if runs and runs[-1][0] == colour:
            runs[-1][1].append(shape)
        else:
            runs.append((colour, [shape]))
    parts += [f'<path fill="{colour}" d="{"".join(shapes)}"/>' for colour, shapes in runs]
    return ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">'
            "<title>Chợ 4.0</title>" + "".join(parts) + "</svg>\n")


def png_bytes(image: Image.Image) -> bytes:
    """A small PNG: the opaque icon in a palette of 64 colours (a few kilobytes at 512 px)."""
    out = io.BytesIO()
    image.convert("RGB").quantize(colors=64, method=Image.Quantize.MEDIANCUT).save(
        out, "PNG", optimize=True)
    return out.getvalue()


def ico_bytes() -> bytes:
    out = io.BytesIO()
    sizes = (16, 32, 48)
    images = [draw(size, favicon=True) for size in sizes]
    images[-1].save(out, "ICO", sizes=[(s, s) for s in sizes], append_images=images[:-1])
    return out.getvalue()


# Every file this script writes, and what it holds.
FILES = {
    "favicon.svg": lambda: svg().encode("utf-8"),
    "favicon.ico": ico_bytes,
    "icons/icon-192.png": lambda: png_bytes(draw(192, favicon=False)),
    "icons/icon-512.png": lambda: png_bytes(draw(512, favicon=False)),
    "icons/apple-touch-icon.png": lambda: png_bytes(draw(180, favicon=False)),
}


def main() -> None:
    for name, make in FILES.items():
        path = STATIC / name
        path.parent.mkdir(parents=True, exist_ok=True)
        data = make()
        path.write_bytes(data)
        print(f"{path.relative_to(STATIC.parent)}: {len(data):,} bytes")


if __name__ == "__main__":
    main()
