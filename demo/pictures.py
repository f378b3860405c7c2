"""Product pictures for the demo catalogue, drawn rather than downloaded: a coloured background,
a shape standing for the product and its name in Vietnamese, as a PNG for process_upload.

Pure: Pillow in, bytes out. The name is drawn with the Noto Sans the app ships (every
Vietnamese letter precomposed in NFC has its glyph there).
"""
from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT = Path(__file__).resolve().parent.parent / "static" / "fonts" / "NotoSans-Bold.ttf"
SIDE = 900  # over every platform's minimum (Tiki 501, Shopee 500, Lazada 330 px)

# Shape name -> (background, shape colour, its darker edge): tea leaves on a pale green, honey
# in a jar on a warm yellow... The names are those cooperatives.json gives each product.
PALETTES = {
    "leaf": ((226, 240, 214), (74, 140, 62), (38, 92, 35)),
    "grain": ((247, 240, 222), (238, 226, 196), (168, 142, 98)),
    "jar": ((253, 236, 196), (222, 150, 34), (150, 92, 12)),
    "mushroom": ((238, 228, 214), (132, 86, 52), (82, 50, 28)),
    "shoot": ((240, 236, 210), (196, 170, 96), (128, 106, 48)),
    "noodles": ((236, 232, 240), (172, 150, 120), (110, 92, 70)),
    "parcel": ((224, 238, 222), (52, 120, 70), (30, 78, 44)),
    "strips": ((244, 226, 218), (120, 40, 30), (70, 22, 16)),
}


@lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT), size)


def product_picture(name: str, shape: str, *, view: int = 0, side: int = SIDE) -> bytes:
    """A square PNG of `side` px: the product's shape on its background, its name below.
    `view` 1 and 2 are the same product seen closer and with its name alone, so that a product
    with three pictures has three different ones."""
    background, colour, edge = PALETTES[shape]
    if view:
        background = tuple(max(0, c - 14 * view) for c in background)
    image = Image.new("RGB", (side, side), background)
    draw = ImageDraw.Draw(image)
    scale = side / SIDE
    zoom = {1: 1.25, 2: 0.8}.get(view, 1.0)
    centre = (side // 2, int(side * 0.40))
    _SHAPES[shape](draw, centre, scale * zoom, colour, edge)
    if view != 1:
        _caption(draw, name, side, edge)
    return _png(image)


def _caption(draw: ImageDraw.ImageDraw, name: str, side: int, colour) -> None:
    """The name under the shape, on as many lines as it needs at a size that fits the width."""
    margin = side // 12
    size = max(12, side // 16)
    font = _font(size)
    lines = _wrapped(draw, name, font, side - 2 * margin)
    y = int(side * 0.72)
    for line in lines[:3]:
        width = draw.textlength(line, font=font)
        draw.text(((side - width) / 2, y), line, font=font, fill=colour)
        y += int(size * 1.3)


def _wrapped(draw, text: str, font, width: int) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if line and draw.textlength(candidate, font=font) > width:
            lines.append(line)
            line = word
        else:
            line = candidate
    return lines + [line] if line else lines


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=1)  # process_upload re-encodes it: speed, not size
    return out.getvalue()


def _box(centre, half_width: float, half_height: float, dy: float = 0) -> list[float]:
    x, y = centre
    return [x - half_width, y - half_height + dy, x + half_width, y + half_height + dy]


def _leaf(draw, centre, s, colour, edge) -> None:
    # A bud of two leaves, as tea is picked ("một tôm hai lá").
    x, y = centre
    for dx, tilt in ((-70, -1), (70, 1)):
        box = _box((x + dx * s, y + 20 * s), 80 * s, 170 * s)
        draw.ellipse(box, fill=colour, outline=edge, width=max(2, int(6 * s)))
        draw.line([(x + dx * s, y - 140 * s), (x + dx * s + tilt * 10 * s, y + 180 * s)],
                  fill=edge, width=max(2, int(5 * s)))
    draw.ellipse(_box((x, y - 120 * s), 40 * s, 90 * s), fill=colour, outline=edge,
                 width=max(2, int(5 * s)))


def _grain(draw, centre, s, colour, edge) -> None:
    # A sack of rice with grains before it.
    draw.rounded_rectangle(_box(centre, 190 * s, 210 * s), radius=int(60 * s), fill=colour,
                           outline=edge, width=max(2, int(6 * s)))
    x, y = centre
    for i in range(7):
        gx = x + (i - 3) * 46 * s
        draw.ellipse([gx - 14 * s, y + 120 * s, gx + 14 * s, y + 160 * s], fill=(255, 255, 250),
                     outline=edge, width=max(1, int(3 * s)))


def _jar(draw, centre, s, colour, edge) -> None:
    draw.rounded_rectangle(_box(centre, 150 * s, 190 * s, 30 * s), radius=int(50 * s),
                           fill=colour, outline=edge, width=max(2, int(6 * s)))
    draw.rectangle(_box(centre, 110 * s, 30 * s, -190 * s), fill=edge)
    draw.rectangle(_box(centre, 120 * s, 60 * s, 40 * s), fill=(255, 248, 230))


def _mushroom(draw, centre, s, colour, edge) -> None:
    x, y = centre
    draw.rounded_rectangle([x - 50 * s, y - 20 * s, x + 50 * s, y + 200 * s],
                           radius=int(30 * s), fill=(244, 236, 222), outline=edge,
                           width=max(2, int(5 * s)))
    draw.pieslice([x - 220 * s, y - 200 * s, x + 220 * s, y + 120 * s], 180, 360, fill=colour,
                  outline=edge, width=max(2, int(6 * s)))
    for dx, dy in ((-100, -60), (20, -110), (110, -50)):
        draw.ellipse(_box((x + dx * s, y + dy * s), 18 * s, 14 * s), fill=(236, 220, 196))


def _shoot(draw, centre, s, colour, edge) -> None:
    x, y = centre
    for dx in (-110, 0, 110):
        draw.polygon([(x + dx * s, y - 200 * s), (x + (dx - 60) * s, y + 190 * s),
                      (x + (dx + 60) * s, y + 190 * s)], fill=colour, outline=edge,
                     width=max(2, int(5 * s)))


def _noodles(draw, centre, s, colour, edge) -> None:
    x, y = centre
    draw.ellipse(_box(centre, 220 * s, 170 * s), fill=(250, 246, 238), outline=edge,
                 width=max(2, int(6 * s)))
    for i in range(9):
        top = y - 120 * s + i * 28 * s
        points = [(x - 170 * s + k * 34 * s, top + (12 * s if k % 2 else -12 * s))
                  for k in range(11)]
        draw.line(points, fill=colour, width=max(2, int(6 * s)), joint="curve")


def _parcel(draw, centre, s, colour, edge) -> None:
    # Bánh chưng: a green square tied with bamboo strings.
    draw.rectangle(_box(centre, 180 * s, 180 * s), fill=colour, outline=edge,
                   width=max(2, int(8 * s)))
    x, y = centre
    for offset in (-60, 60):
        draw.line([(x + offset * s, y - 180 * s), (x + offset * s, y + 180 * s)],
                  fill=(232, 214, 160), width=max(2, int(10 * s)))
        draw.line([(x - 180 * s, y + offset * s), (x + 180 * s, y + offset * s)],
                  fill=(232, 214, 160), width=max(2, int(10 * s)))


def _strips(draw, centre, s, colour, edge) -> None:
    # Smoked buffalo meat: dark strips hung from a string.
    x, y = centre
    draw.line([(x - 230 * s, y - 190 * s), (x + 230 * s, y - 190 * s)], fill=edge,
              width=max(2, int(6 * s)))
    for i in range(5):
        sx = x + (i - 2) * 90 * s
        draw.rounded_rectangle([sx - 28 * s, y - 190 * s, sx + 28 * s, y + (150 + 20 * (i % 2)) * s],
                               radius=int(20 * s), fill=colour, outline=edge,
                               width=max(2, int(4 * s)))


_SHAPES = {"leaf": _leaf, "grain": _grain, "jar": _jar, "mushroom": _mushroom, "shoot": _shoot,
           "noodles": _noodles, "parcel": _parcel, "strips": _strips}
