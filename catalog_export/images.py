"""Product photos: a phone camera's upload made safe to keep (upright, sRGB, no metadata, at most
STORED_MAX_SIDE), and the copy each platform asks for (square on white, within its sizes and bytes).

Pure: Pillow in, bytes out; no Flask, no database. Pillow's global limits
(Image.MAX_IMAGE_PIXELS, ImageFile.LOAD_TRUNCATED_IMAGES) are left as they are.
"""
from __future__ import annotations

import hashlib
import io
import math
import struct
import threading
from contextlib import contextmanager
from dataclasses import dataclass

from PIL import Image, ImageCms, ImageFile, ImageOps, UnidentifiedImageError

from domain_errors import N_, Invalid, Message, TooLarge
from uploads import DEFAULTS, limits, too_many_pixels

# The defaults of config UPLOAD_IMAGE_MAX_BYTES and UPLOAD_IMAGE_MAX_PIXELS (uploads.py): a
# bigger file, or a picture declaring more pixels, is refused before it is decoded.
MAX_UPLOAD_BYTES = DEFAULTS.image_max_bytes
MAX_PIXELS = DEFAULTS.image_max_pixels
STORED_MAX_SIDE = 2048  # the kept original is downscaled to this
THUMBNAIL_SIDE = 320

# What a phone or a seller's computer sends. GIF is taken (shops' logos and banners; its first
# frame). BMP and TIFF are refused: no phone camera writes them, and TIFF brings a large decoder
# (libtiff, many compressions) for nothing a seller needs. MPO is how some phones (Samsung,
# Fujifilm) store a JPEG with a depth or preview picture after it: Pillow's JPEG opener returns it.
# AVIF is read by Pillow itself (11.3 and later) when built with libavif, as here.
# HEIC (iPhone's default) needs the pillow-heif plugin, not installed. A browser on iOS hands a
# file input a JPEG whatever its accept attribute; Safari on macOS does only when accept leaves
# HEIC out (accept="image/jpeg,image/png,image/webp", not "image/*"): tested and tabulated in
# https://zenn.dev/kou_pg_0131/articles/safari-input-file-heic (2025). A HEIC file that still
# arrives is refused with advice (Camera > Formats > Most Compatible).
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "AVIF") + (
    ("HEIF",) if "HEIF" in Image.OPEN else ())  # pillow-heif registers "HEIF" when imported
_HEIC_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs"}

JPEG_QUALITY = 85  # photos: artefacts hard to see, about 60% of the bytes of quality 95
# What prepare_for_platform tries, in turn, to fit a platform's byte limit. Below 45 a photo shows
# blocks and halos around its edges: better to refuse and say why.
PLATFORM_QUALITY_STEPS = (85, 75, 65, 55, 45)
WHITE = (255, 255, 255)


class ImageRefused(Invalid, code="image_refused"):
    """An image we cannot take. `message` says why to a person; `details["reason"]` says it to a
    program: not_image (not a picture of a format we take, or damaged), heic, too_many_pixels,
    shape, too_many_bytes."""

    def __init__(self, message: Message, *, reason: str, **details):
        super().__init__(message, reason=reason, **details)


class ImageTooLarge(TooLarge):
    """An upload over MAX_UPLOAD_BYTES (HTTP 413), refused before it is opened."""


@dataclass(frozen=True)
class ProcessedImage:
    """An upload as kept: `data` is JPEG (photos) or PNG (images whose transparency is used),
    sRGB, upright, with no metadata at all (no EXIF, GPS, XMP, ICC, comment)."""

    data: bytes
    format: str  # "jpeg" or "png"
    width: int
    height: int
    thumbnail: bytes  # same format as data; longest side THUMBNAIL_SIDE (never enlarged)
    digest: str  # sha256 hex of data

    @property
    def media_type(self) -> str:
        return f"image/{self.format}"


@dataclass(frozen=True)
class PlatformImage:
    """A kept image as one platform asks for it. `upscaled_from` is the size before it was
    enlarged to the platform's minimum: the file meets the rule, the photo is no sharper."""

    data: bytes
    format: str  # "jpeg" or "png"
    width: int
    height: int
    quality: int | None  # the JPEG quality it took to fit max_bytes; None for PNG
    upscaled_from: tuple[int, int] | None = None


# --- Taking an upload ------------------------------------------------------------------------


def process_upload(data: bytes) -> ProcessedImage:
    """The image to keep from an upload. ImageTooLarge over MAX_UPLOAD_BYTES; ImageRefused for
    anything that is not a JPEG, PNG, WebP, GIF or AVIF picture we can decode whole, or that
    declares more than MAX_PIXELS (checked from its header, before a pixel is decoded)."""
    max_bytes = limits().image_max_bytes
    if len(data) > max_bytes:
        raise ImageTooLarge(N_(
            "Ảnh nặng %(size)s MB, quá mức %(limit)s MB cho một ảnh. Hãy gửi ảnh nhỏ hơn hoặc "
            "chụp lại ở độ phân giải thấp hơn.",
            size=math.ceil(len(data) / (1024 * 1024)), limit=max_bytes // (1024 * 1024)),
            limit="image_max_bytes")
    image = _picture(data, fit_within=STORED_MAX_SIDE)
    fmt = "png" if image.mode == "RGBA" else "jpeg"
    stored = _encoded(image, fmt)
    thumbnail = image.copy()
    thumbnail.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS)
    return ProcessedImage(
        data=stored, format=fmt, width=image.width, height=image.height,
        thumbnail=_encoded(thumbnail, fmt), digest=hashlib.sha256(stored).hexdigest())


def _decoded(data: bytes, *, fit_within: int | None) -> Image.Image:
    """The first frame of the picture in `data`, decoded, after its header has shown it is a
    format we take with at most MAX_PIXELS. `fit_within` lets a big JPEG be decoded at 1/2, 1/4
    or 1/8 scale (libjpeg's own, far cheaper than decoding whole then shrinking)."""
    if _is_heic(data) and "HEIF" not in ACCEPTED_FORMATS:
        raise ImageRefused(N_(
            "Ảnh HEIC (định dạng mặc định của iPhone) chưa đọc được. Hãy gửi ảnh JPEG: trên "
            "iPhone vào Cài đặt > Camera > Định dạng, chọn «Tương thích nhất», rồi chụp lại."),
            reason="heic")
    try:
        # Image.open reads only the header. Naming the formats keeps every other opener Pillow
        # has (EPS would start Ghostscript, TIFF libtiff) away from what a stranger uploads: a
        # BMP or TIFF is then "not a picture we can open", like a text file.
        image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Pillow's own limit (2 x Image.MAX_IMAGE_PIXELS for the error; the warning only when a
        # caller turned warnings into errors): far over ours, so refused the same way.
        raise _too_many_pixels(None) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as error:
        raise _not_an_image() from error
    if too_many_pixels(image.size, limits().image_max_pixels):
        raise _too_many_pixels(image.size)
    try:
        if fit_within is not None and image.format in ("JPEG", "MPO"):
            image.draft(None, (fit_within, fit_within))
        with _truncated_images_refused():
            image.load()  # decodes the first frame only; an animation's others are never read
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(image.size) from None
    except (OSError, ValueError, SyntaxError, EOFError) as error:
        # A truncated or corrupt file: Pillow says "image file is truncated", "broken data
        # stream"... (ImageFile.LOAD_TRUNCATED_IMAGES, left False, would hide it as grey).
        raise _not_an_image() from error
    return image


# WeasyPrint sets ImageFile.LOAD_TRUNCATED_IMAGES = True for the whole process when it is imported
# (weasyprint/images.py), and the app imports it for placards: an upload cut short would then
# be decoded as a grey picture. Pillow reads the flag while it decodes, so it is False for the
# length of our decode and put back after; the lock keeps two threads from restoring each
# other's value.
_TRUNCATION_FLAG = threading.Lock()


@contextmanager
def _truncated_images_refused():
    with _TRUNCATION_FLAG:
        previous = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = previous


def _is_heic(data: bytes) -> bool:
    """An ISO-BMFF file (its "ftyp" box first) naming a HEVC brand and not AVIF's."""
    if data[4:8] != b"ftyp":
        return False
    box_size = struct.unpack(">I", data[:4])[0]
    brands = {data[i:i + 4] for i in range(8, min(box_size, 64), 4)}
    return bool(brands & _HEIC_BRANDS) and b"avif" not in brands


def _picture(data: bytes, *, fit_within: int | None) -> Image.Image:
    """The picture in `data` decoded, shrunk to fit within fit_within (first: what follows then
    works on a few megabytes, not on up to 160 MB), upright and in sRGB."""
    image = _resizable(_decoded(data, fit_within=fit_within))
    if fit_within is not None:
        image.thumbnail((fit_within, fit_within), Image.Resampling.LANCZOS)
    _turn_upright(image)
    return _in_srgb(image)


def _resizable(image: Image.Image) -> Image.Image:
    """The picture in a mode Pillow resizes smoothly (a palette's would be resized by nearest
    neighbour), its ICC profile kept in `info` for _in_srgb."""
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode in ("P", "L", "RGB") and "transparency" in image.info)
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16-bit grey (PNG): Pillow's convert() would clip, not scale, to 8 bits.
        image = image.convert("I").point(lambda value: value / 256).convert("L")
    if has_alpha and image.mode not in ("RGBA", "LA"):
        return image.convert("RGBA")  # a palette's or a PNG tRNS chunk's transparent colour
    if image.mode not in ("RGB", "RGBA", "L", "LA", "CMYK"):
        return image.convert("RGB")
    return image


def _turn_upright(image: Image.Image) -> None:
    """Turns the picture as the camera was held: phones store it as the sensor read it, with an
    EXIF (or XMP) Orientation saying how to turn it."""
    try:
        ImageOps.exif_transpose(image, in_place=True)
    except (OSError, ValueError, SyntaxError, struct.error):
        pass  # EXIF is metadata: a malformed block costs the rotation, never the photo


def _in_srgb(image: Image.Image) -> Image.Image:
    """The picture in sRGB, as RGB, or RGBA when its transparency is actually used. An embedded
    ICC profile (Adobe RGB, Display P3 from iPhones, a printer's CMYK) is converted from; an
    untagged picture is taken as sRGB already, as browsers do."""
    icc = image.info.get("icc_profile")
    if icc:
        target_mode = "RGBA" if image.mode in ("RGBA", "LA") else "RGB"
        try:
            image = ImageCms.profileToProfile(
                # A profile object per call, so that no LittleCMS profile is used by two threads.
                image, ImageCms.ImageCmsProfile(io.BytesIO(icc)), ImageCms.createProfile("sRGB"),
                renderingIntent=ImageCms.Intent.PERCEPTUAL, outputMode=target_mode)
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            # A broken or mismatched profile (an RGB profile on a grey picture): the colours are
            # taken as sRGB rather than the photo refused.
            pass
    if image.mode == "LA":
        image = image.convert("RGBA")
    if image.mode not in ("RGB", "RGBA"):
        # CMYK with no profile: Pillow's plain conversion (inverted Adobe CMYK is undone on read).
        image = image.convert("RGB")
    if image.mode == "RGBA" and image.getchannel("A").getextrema()[0] == 255:
        image = image.convert("RGB")  # an alpha channel every pixel of which is opaque
    return image


def _encoded(image: Image.Image, fmt: str, *, quality: int = JPEG_QUALITY) -> bytes:
    """`image` as a JPEG or PNG file with no metadata: the pixels are copied into a new image,
    because Pillow writes what it finds in `info` (a JPEG's comment, a PNG's ICC profile) even
    when not asked to."""
    clean = Image.new(image.mode, image.size)
    clean.paste(image)
    out = io.BytesIO()
    if fmt == "jpeg":
        clean.save(out, "JPEG", quality=quality, progressive=True, optimize=True)
    elif fmt == "png":
        clean.save(out, "PNG", optimize=True)
    else:
        raise ValueError(f"fmt must be 'jpeg' or 'png', not {fmt!r}")
    return out.getvalue()


def _not_an_image() -> ImageRefused:
    return ImageRefused(N_(
        "Tệp gửi lên không phải ảnh mở được, hoặc ảnh bị hỏng hay gửi thiếu. Hãy gửi lại ảnh "
        "JPEG, PNG hoặc WebP."), reason="not_image")


def _too_many_pixels(size: tuple[int, int] | None) -> ImageRefused:
    most = limits().image_max_pixels // 1_000_000
    if size is None:
        return ImageRefused(N_(
            "Ảnh có quá nhiều điểm ảnh (hơn %(limit)s triệu). Hãy chụp lại ở độ phân giải thấp "
            "hơn.", limit=most), reason="too_many_pixels")
    return ImageRefused(N_(
        "Ảnh có %(width)s×%(height)s điểm ảnh, hơn %(limit)s triệu điểm ảnh. Hãy chụp lại ở độ "
        "phân giải thấp hơn.", width=size[0], height=size[1], limit=most),
        reason="too_many_pixels")


# --- What a platform asks for ----------------------------------------------------------------


def prepare_for_platform(data: bytes, *, square: bool, min_side: int | None,
                         max_side: int | None, max_bytes: int | None,
                         fmt: str = "jpeg") -> bytes:
    """The file of a kept image that a platform takes; see prepare_platform_image."""
    return prepare_platform_image(data, square=square, min_side=min_side, max_side=max_side,
                                  max_bytes=max_bytes, fmt=fmt).data


def prepare_platform_image(data: bytes, *, square: bool, min_side: int | None,
                           max_side: int | None, max_bytes: int | None,
                           fmt: str = "jpeg") -> PlatformImage:
    """A kept image (ProcessedImage.data) as a platform asks for it:

    - `square`: padded, never cropped, to a square on white, the picture centred (a product
      photo's edges are often the product);
    - `min_side`: enlarged until its shorter side is min_side. Enlarging a small photo only meets
      the platform's rule, it adds no detail: the readiness report should still warn of a small
      photo (`upscaled_from` says it was one), and the integrator decides whether to export it;
    - `max_side`: shrunk until its longer side is at most max_side;
    - `max_bytes`: a JPEG is written at quality 85, then 75, 65, 55, 45 until it fits; past that
      (or a PNG too big) ImageRefused. Transparency is flattened on white for a JPEG, and for a
      square (platforms show the padding white).

    ImageRefused too when no size meets both min_side and max_side (a very long, thin picture
    not padded square). ValueError for a bad argument: those are the caller's mistake."""
    if fmt not in ("jpeg", "png"):
        raise ValueError(f"fmt must be 'jpeg' or 'png', not {fmt!r}")
    if min_side is not None and max_side is not None and min_side > max_side:
        raise ValueError(f"min_side {min_side} is over max_side {max_side}")
    # Kept images are within STORED_MAX_SIDE already: _resized gives the exact sides asked for.
    image = _picture(data, fit_within=None)
    if fmt == "jpeg" or square:
        image = _on_white(image)
    if square and image.width != image.height:
        side = max(image.size)
        padded = Image.new(image.mode, (side, side), WHITE)
        padded.paste(image, ((side - image.width) // 2, (side - image.height) // 2))
        image = padded
    image, upscaled_from = _resized(image, min_side=min_side, max_side=max_side)
    if fmt == "png":
        encoded = _encoded(image, "png")
        if max_bytes is not None and len(encoded) > max_bytes:
            raise _too_many_bytes(max_bytes)
        return PlatformImage(encoded, "png", image.width, image.height, None, upscaled_from)
    for quality in PLATFORM_QUALITY_STEPS:
        encoded = _encoded(image, "jpeg", quality=quality)
        if max_bytes is None or len(encoded) <= max_bytes:
            return PlatformImage(encoded, "jpeg", image.width, image.height, quality,
                                 upscaled_from)
    raise _too_many_bytes(max_bytes)


def _on_white(image: Image.Image) -> Image.Image:
    if image.mode != "RGBA":
        return image
    flat = Image.new("RGB", image.size, WHITE)
    flat.paste(image, mask=image.getchannel("A"))
    return flat


def _resized(image: Image.Image, *, min_side: int | None, max_side: int | None
             ) -> tuple[Image.Image, tuple[int, int] | None]:
    """`image` shrunk to max_side or enlarged to min_side, keeping its aspect, and the size it
    was enlarged from."""
    width, height = image.size
    long_side, short_side = max(width, height), min(width, height)
    if max_side is not None and long_side > max_side:
        new_long, new_short = max_side, max(1, round(short_side * max_side / long_side))
    elif min_side is not None and short_side < min_side:
        new_long, new_short = round(long_side * min_side / short_side), min_side
    else:
        new_long, new_short = long_side, short_side
    if ((min_side is not None and new_short < min_side)
            or (max_side is not None and new_long > max_side)):
        raise ImageRefused(N_(
            "Ảnh %(width)s×%(height)s quá dài hoặc quá hẹp: không thể vừa cạnh ngắn ít nhất "
            "%(min_side)s và cạnh dài nhiều nhất %(max_side)s điểm ảnh. Hãy cắt ảnh cho gần vuông "
            "hơn.", width=width, height=height, min_side=min_side, max_side=max_side),
            reason="shape")
    if new_long == long_side:
        return image, None
    new_size = (new_long, new_short) if width >= height else (new_short, new_long)
    resized = image.resize(new_size, Image.Resampling.LANCZOS)
    return resized, ((width, height) if new_long > long_side else None)


def _too_many_bytes(max_bytes: int) -> ImageRefused:
    return ImageRefused(N_(
        "Không nén được ảnh xuống dưới %(limit)s KB mà vẫn giữ được chất lượng. Hãy dùng ảnh ít "
        "chi tiết hơn (nền trơn, không nhiễu hạt) hoặc cắt bớt phần thừa.",
        limit=max_bytes // 1024), reason="too_many_bytes")

