"""Product photos: an upload is kept upright, in sRGB, without metadata, and refused cheaply when
it is too big, a bomb or no picture; a platform's copy meets its square, sides and bytes."""
from __future__ import annotations

import hashlib
import io
import random
import struct
import time
import tracemalloc
import warnings
import zlib

import pytest
from PIL import ExifTags, Image, ImageFile

from catalog_export import images
from catalog_export.images import (
    MAX_PIXELS,
    MAX_UPLOAD_BYTES,
    STORED_MAX_SIDE,
    THUMBNAIL_SIDE,
    ImageRefused,
    ImageTooLarge,
    prepare_for_platform,
    prepare_platform_image,
    process_upload,
)

RED, GREEN, BLUE, WHITE = (220, 20, 20), (20, 200, 20), (20, 20, 220), (255, 255, 255)
PILLOW_DEFAULT_MAX_IMAGE_PIXELS = 1024 * 1024 * 1024 // 4 // 3  # Pillow 13, Image.py


# --- Making test pictures ----------------------------------------------------------------------


def _file(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def _opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def _noise(width: int, height: int, seed: int = 1) -> Image.Image:
    """Random pixels (os.urandom-like, seeded so that a failure repeats): JPEG compresses them
    worst of all."""
    return Image.frombytes("RGB", (width, height), random.Random(seed).randbytes(width * height * 3))


def _close(pixel, expected, tolerance=6) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, expected, strict=True))


def _png_declaring(width: int, height: int) -> bytes:
    """A valid PNG header declaring width x height, followed by a few bytes of image data: what
    a decompression bomb looks like to a decoder that trusts the header."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(
            ">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 1000)) + chunk(b"IEND", b""))


def _s15f16(*values: float) -> bytes:
    return b"".join(struct.pack(">i", round(v * 65536)) for v in values)


def _adobe_rgb_profile() -> bytes:
    """An ICC v2 matrix/TRC display profile with Adobe RGB (1998)'s primaries (adapted to D50, as
    ICC profiles store them) and its 563/256 gamma: built here, so no profile file is needed."""
    def xyz(x, y, z):
        return b"XYZ " + b"\0" * 4 + _s15f16(x, y, z)
    curve = b"curv" + b"\0" * 4 + struct.pack(">IH", 1, 563) + b"\0\0"  # gamma 2.19921875
    name = b"Adobe RGB test\0"
    description = (b"desc" + b"\0" * 4 + struct.pack(">I", len(name)) + name
                   + b"\0" * 8 + b"\0" * 3 + b"\0" * 67)
    tags = [
        (b"desc", description),
        (b"wtpt", xyz(0.9642, 1.0, 0.8249)),
        (b"rXYZ", xyz(0.6097559, 0.3111242, 0.0194811)),
        (b"gXYZ", xyz(0.2052401, 0.6256560, 0.0608902)),
        (b"bXYZ", xyz(0.1492240, 0.0632197, 0.7448387)),
        (b"rTRC", curve), (b"gTRC", curve), (b"bTRC", curve),
        (b"cprt", b"text" + b"\0" * 4 + b"none\0"),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, body = b"", b""
    for signature, data in tags:
        data += b"\0" * (-len(data) % 4)
        table += signature + struct.pack(">II", offset + len(body), len(data))
        body += data
    size = offset + len(body)
    header = (struct.pack(">I", size) + b"\0" * 4 + bytes([2, 0x10, 0, 0]) + b"mntr" + b"RGB "
              + b"XYZ " + b"\0" * 12 + b"acsp" + b"\0" * 24 + struct.pack(">I", 0)
              + _s15f16(0.9642, 1.0, 0.8249) + b"\0" * 4 + b"\0" * 16 + b"\0" * 28)
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + body


def _adobe_to_srgb(pixel: tuple[int, int, int]) -> tuple[int, int, int]:
    """The same colour in sRGB by the published formulas (Adobe RGB 1998 and IEC 61966-2-1 D65
    matrices, from B. Lindbloom's tables): an oracle independent of LittleCMS."""
    linear = [(v / 255) ** 2.19921875 for v in pixel]
    to_xyz = ((0.5767309, 0.1855540, 0.1881852), (0.2973769, 0.6273491, 0.0752741),
              (0.0270343, 0.0706872, 0.9911085))
    to_srgb = ((3.2404542, -1.5371385, -0.4985314), (-0.9692660, 1.8760108, 0.0415560),
               (0.0556434, -0.2040259, 1.0572252))
    xyz = [sum(row[i] * linear[i] for i in range(3)) for row in to_xyz]
    srgb = [min(1.0, max(0.0, sum(row[i] * xyz[i] for i in range(3)))) for row in to_srgb]
    encoded = [12.92 * v if v <= 0.0031308 else 1.055 * v ** (1 / 2.4) - 0.055 for v in srgb]
    return tuple(round(v * 255) for v in encoded)


def _has_no_metadata(data: bytes) -> None:
    image = _opened(data)
    assert not image.getexif()
    for key in ("exif", "icc_profile", "xmp", "XML:com.adobe.xmp", "comment", "dpi"):
        assert key not in image.info, key
    assert b"Exif\0" not in data
    assert b"ICC_PROFILE" not in data and b"iCCP" not in data
    assert b"ns.adobe.com/xap" not in data


# --- Taking an upload ---------------------------------------------------------------------------


def _sideways_photo() -> bytes:
    """A 60x40 JPEG as a phone stores a portrait photo: the sensor's landscape pixels, with EXIF
    Orientation 6 (turn 90° clockwise to show), the camera's make, a GPS position and XMP.
    The top-left corner is green, the rest of the top half red, the bottom half blue."""
    image = Image.new("RGB", (60, 40), BLUE)
    image.paste(RED, (0, 0, 60, 20))
    image.paste(GREEN, (0, 0, 20, 20))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "Apple"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (21.0, 1.0, 30.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (105.0, 51.0, 0.0)
    xmp = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/'
           b'22-rdf-syntax-ns#"><rdf:Description xmlns:xmp="http://ns.adobe.com/xap/1.0/" '
           b'xmp:CreatorTool="Camera"/></rdf:RDF></x:xmpmeta>')
    return _file(image, "JPEG", quality=95, exif=exif, xmp=xmp, comment=b"Hanoi market")


def test_a_sideways_phone_photo_comes_out_upright_with_no_exif_gps_or_xmp():
    upload = _sideways_photo()
    sent = _opened(upload)  # the test photo really carries what must go
    assert sent.getexif()[ExifTags.Base.Orientation] == 6
    assert sent.getexif().get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] == "N"
    assert b"ns.adobe.com/xap" in upload

    kept = process_upload(upload)

    image = _opened(kept.data)
    assert (kept.format, image.format, kept.width, kept.height) == ("jpeg", "JPEG", 40, 60)
    assert image.size == (40, 60)
    # Turned 90° clockwise: the sensor's top-left corner is now the top-right one, its top
    # half the right half.
    assert _close(image.getpixel((35, 5)), GREEN)
    assert _close(image.getpixel((30, 50)), RED)
    assert _close(image.getpixel((5, 5)), BLUE)
    assert _close(image.getpixel((5, 55)), BLUE)
    _has_no_metadata(kept.data)
    _has_no_metadata(kept.thumbnail)
    assert b"GPS" not in kept.data and b"Apple" not in kept.data


def test_a_stored_photo_is_a_progressive_jpeg_with_its_digest():
    kept = process_upload(_file(_noise(300, 200), "PNG"))
    image = _opened(kept.data)
    assert image.format == "JPEG" and image.info.get("progressive") == 1
    assert kept.digest == hashlib.sha256(kept.data).hexdigest()
    assert kept.media_type == "image/jpeg"


def test_a_big_photo_is_kept_at_the_stored_side_and_its_thumbnail_at_the_thumbnail_side():
    kept = process_upload(_file(Image.new("RGB", (4000, 3000), RED), "JPEG"))
    assert (kept.width, kept.height) == (STORED_MAX_SIDE, 1536)
    assert _opened(kept.data).size == (STORED_MAX_SIDE, 1536)
    thumbnail = _opened(kept.thumbnail)
    assert (thumbnail.format, thumbnail.size) == ("JPEG", (THUMBNAIL_SIDE, 240))


def test_a_portrait_thumbnail_has_its_longest_side_at_the_thumbnail_side():
    kept = process_upload(_file(Image.new("RGB", (600, 1200), RED), "PNG"))
    assert (kept.width, kept.height) == (600, 1200)
    assert _opened(kept.thumbnail).size == (160, THUMBNAIL_SIDE)


def test_an_upload_over_the_byte_limit_is_refused_before_it_is_opened(monkeypatch):
    opened = []
    monkeypatch.setattr(Image, "open", lambda *a, **k: opened.append(a))
    upload = b"\xff\xd8\xff\xe0" + b"\0" * (30 * 1024 * 1024)
    with pytest.raises(ImageTooLarge) as refusal:
        process_upload(upload)
    assert opened == []
    assert refusal.value.status == 413
    assert str(refusal.value.message) == (
        "Ảnh nặng 31 MB, quá mức 15 MB cho một ảnh. Hãy gửi ảnh nhỏ hơn hoặc chụp lại ở độ "
        "phân giải thấp hơn.")


def test_an_upload_of_exactly_the_byte_limit_is_opened():
    # Not refused for its size: refused because those bytes are no picture.
    with pytest.raises(ImageRefused):
        process_upload(b"\0" * MAX_UPLOAD_BYTES)


# Pillow warns of the 100-million one at open (a DecompressionBombWarning): ours refuses it next.
@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize(("width", "height"), [
    (9000, 5000),  # 45 million: over ours, under Pillow's limits
    (10000, 10000),  # 100 million: over Pillow's warning limit (about 89 million)
    (30000, 30000),  # 900 million: over Pillow's error limit (twice the warning's)
])
def test_a_decompression_bomb_is_refused_from_its_header_without_decoding(
        monkeypatch, width, height):
    decoded = []
    real_load = ImageFile.ImageFile.load
    monkeypatch.setattr(ImageFile.ImageFile, "load",
                        lambda self: decoded.append(self.size) or real_load(self))
    bomb = _png_declaring(width, height)
    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(ImageRefused) as refusal:
        process_upload(bomb)
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert decoded == []  # Pillow's decoders (and their C buffers) never ran
    assert elapsed < 1.0
    assert peak < 50 * 1024 * 1024
    assert refusal.value.code == "image_refused" and refusal.value.status == 422
    assert refusal.value.details == {"reason": "too_many_pixels"}
    assert "triệu" in str(refusal.value.message)


def test_pillows_bomb_warning_made_an_error_is_refused_as_well():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ImageRefused) as refusal:
            process_upload(_png_declaring(10000, 10000))
    assert refusal.value.details == {"reason": "too_many_pixels"}


def test_a_real_compressible_image_over_the_pixel_limit_is_refused_and_one_under_is_kept():
    over = _file(Image.new("1", (8000, 5001)), "PNG")  # 40,008,000 pixels in a few kilobytes
    assert len(over) < 100_000 and 8000 * 5001 > MAX_PIXELS
    started = time.perf_counter()
    with pytest.raises(ImageRefused) as refusal:
        process_upload(over)
    assert time.perf_counter() - started < 1.0
    assert str(refusal.value.message) == (
        "Ảnh có 8000×5001 điểm ảnh, hơn 40 triệu điểm ảnh. Hãy chụp lại ở độ phân giải thấp hơn.")
    kept = process_upload(_file(Image.new("1", (8000, 5000)), "PNG"))
    assert (kept.width, kept.height) == (STORED_MAX_SIDE, 1280)


@pytest.mark.parametrize("truncated_allowed", [False, True])
def test_the_module_leaves_pillows_own_limits_as_they_are(monkeypatch, truncated_allowed):
    # WeasyPrint, imported by the app, sets LOAD_TRUNCATED_IMAGES to True for the process.
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", truncated_allowed)
    process_upload(_file(Image.new("RGB", (10, 10)), "PNG"))
    assert Image.MAX_IMAGE_PIXELS == PILLOW_DEFAULT_MAX_IMAGE_PIXELS
    assert ImageFile.LOAD_TRUNCATED_IMAGES is truncated_allowed


def test_a_truncated_upload_is_refused_even_where_weasyprint_allows_truncated_images(
        monkeypatch):
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    whole = _file(_noise(256, 256), "JPEG")
    with pytest.raises(ImageRefused):
        process_upload(whole[: len(whole) // 2])
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True


def test_a_text_file_named_jpg_is_refused_in_vietnamese():
    with pytest.raises(ImageRefused) as refusal:
        process_upload("Bảng giá chè Tân Cương, không phải ảnh.\n".encode())
    assert refusal.value.code == "image_refused" and refusal.value.status == 422
    assert refusal.value.details == {"reason": "not_image"}
    assert str(refusal.value.message) == (
        "Tệp gửi lên không phải ảnh mở được, hoặc ảnh bị hỏng hay gửi thiếu. Hãy gửi lại ảnh "
        "JPEG, PNG hoặc WebP.")


def test_an_empty_upload_is_refused():
    with pytest.raises(ImageRefused):
        process_upload(b"")


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_a_truncated_image_is_refused(fmt):
    whole = _file(_noise(256, 256), fmt)
    assert _opened(whole).size == (256, 256)
    with pytest.raises(ImageRefused) as refusal:
        process_upload(whole[: len(whole) // 2])
    assert refusal.value.details == {"reason": "not_image"}


@pytest.mark.parametrize("fmt", ["BMP", "TIFF"])
def test_formats_no_phone_writes_are_refused(fmt):
    with pytest.raises(ImageRefused) as refusal:
        process_upload(_file(Image.new("RGB", (20, 20), RED), fmt))
    assert refusal.value.details == {"reason": "not_image"}


def test_an_iphone_heic_file_is_refused_with_what_to_do():
    heic_start = struct.pack(">I", 24) + b"ftypheic" + b"\0\0\0\0" + b"mif1heic" + b"\0" * 100
    with pytest.raises(ImageRefused) as refusal:
        process_upload(heic_start)
    assert refusal.value.details == {"reason": "heic"}
    assert "Tương thích nhất" in str(refusal.value.message)


def test_a_png_with_transparency_stays_png_with_its_alpha():
    image = Image.new("RGBA", (100, 80), (*RED, 255))
    image.paste((0, 0, 0, 0), (0, 0, 50, 80))
    kept = process_upload(_file(image, "PNG"))
    stored = _opened(kept.data)
    assert (kept.format, stored.format, stored.mode) == ("png", "PNG", "RGBA")
    assert stored.getpixel((10, 10))[3] == 0
    assert stored.getpixel((90, 10)) == (*RED, 255)
    assert _opened(kept.thumbnail).format == "PNG"
    _has_no_metadata(kept.data)


def test_a_palette_image_with_a_transparent_colour_stays_png():
    image = Image.new("P", (40, 40), 0)
    image.putpalette([*RED, *GREEN] + [0] * 762)
    image.paste(1, (0, 0, 20, 40))
    kept = process_upload(_file(image, "PNG", transparency=1))
    stored = _opened(kept.data)
    assert (kept.format, stored.mode) == ("png", "RGBA")
    assert stored.getpixel((5, 5))[3] == 0 and stored.getpixel((30, 5)) == (*RED, 255)


def test_a_png_whose_alpha_is_all_opaque_becomes_a_jpeg():
    kept = process_upload(_file(Image.new("RGBA", (100, 80), (*RED, 255)), "PNG"))
    stored = _opened(kept.data)
    assert (kept.format, stored.format, stored.mode) == ("jpeg", "JPEG", "RGB")
    assert _close(stored.getpixel((50, 40)), RED)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_an_adobe_rgb_photo_is_converted_to_srgb_and_kept_without_a_profile(fmt):
    adobe = (60, 150, 90)
    profile = _adobe_rgb_profile()
    upload = _file(Image.new("RGB", (64, 64), adobe), fmt, icc_profile=profile,
                   **({"quality": 100} if fmt == "JPEG" else {}))
    assert _opened(upload).info["icc_profile"] == profile

    kept = process_upload(upload)

    stored = _opened(kept.data)
    expected = _adobe_to_srgb(adobe)
    assert abs(expected[0] - adobe[0]) > 40  # the conversion really moves this colour (to red 0)
    assert _close(stored.getpixel((32, 32)), expected, tolerance=4)
    assert "icc_profile" not in stored.info
    _has_no_metadata(kept.data)


def test_a_photo_with_a_broken_profile_is_kept_as_if_srgb():
    upload = _file(Image.new("RGB", (32, 32), RED), "PNG", icc_profile=b"not a profile" * 20)
    kept = process_upload(upload)
    assert _close(_opened(kept.data).getpixel((16, 16)), RED)


def test_a_cmyk_jpeg_is_taken_as_rgb():
    upload = _file(Image.new("CMYK", (40, 40), (0, 255, 255, 0)), "JPEG", quality=100)
    assert _opened(upload).mode == "CMYK"
    kept = process_upload(upload)
    stored = _opened(kept.data)
    assert (kept.format, stored.mode) == ("jpeg", "RGB")
    assert _close(stored.getpixel((20, 20)), (255, 0, 0), tolerance=8)


def test_a_16_bit_grey_png_keeps_its_tones():
    kept = process_upload(_file(Image.new("I;16", (20, 20), 32768), "PNG"))
    assert _close(_opened(kept.data).getpixel((10, 10)), (128, 128, 128), tolerance=2)


@pytest.mark.parametrize(("fmt", "options"), [
    ("GIF", {}), ("WEBP", {"lossless": True}), ("PNG", {}),  # PNG with frames: APNG
])
def test_an_animation_is_kept_as_its_first_frame(fmt, options):
    frames = [Image.new("RGB", (30, 30), colour) for colour in ((255, 0, 0), (0, 0, 255))]
    upload = _file(frames[0], fmt, save_all=True, append_images=frames[1:], duration=100,
                   **options)
    assert getattr(Image.open(io.BytesIO(upload)), "n_frames", 1) == 2
    kept = process_upload(upload)
    assert _close(_opened(kept.data).getpixel((15, 15)), (255, 0, 0))


def test_a_multi_picture_jpeg_from_a_phone_is_kept_as_its_main_picture():
    # MPO: some phones append a depth map or a preview to the JPEG; Pillow names it "MPO".
    frames = [Image.new("RGB", (40, 30), (255, 0, 0)), Image.new("RGB", (40, 30), (0, 0, 255))]
    upload = _file(frames[0], "MPO", save_all=True, append_images=frames[1:])
    assert Image.open(io.BytesIO(upload)).format == "MPO"
    kept = process_upload(upload)
    assert kept.format == "jpeg" and _close(_opened(kept.data).getpixel((20, 15)), (255, 0, 0))


@pytest.mark.parametrize("fmt", ["WEBP", "AVIF"])
def test_webp_and_avif_photos_are_taken(fmt):
    kept = process_upload(_file(Image.new("RGB", (50, 30), GREEN), fmt, quality=95))
    assert (kept.format, kept.width, kept.height) == ("jpeg", 50, 30)
    assert _close(_opened(kept.data).getpixel((25, 15)), GREEN)


# --- What a platform asks for -------------------------------------------------------------------


def test_a_square_is_padded_with_white_around_the_centred_picture():
    stored = process_upload(_file(Image.new("RGB", (200, 100), RED), "PNG")).data
    result = _opened(prepare_for_platform(stored, square=True, min_side=None, max_side=None,
                                          max_bytes=None))
    assert (result.format, result.size) == ("JPEG", (200, 200))
    for y in (2, 45):  # the padding above and below is white, 50 rows each
        assert _close(result.getpixel((100, y)), WHITE), y
        assert _close(result.getpixel((100, 199 - y)), WHITE), y
    for y in (54, 100, 145):
        assert _close(result.getpixel((100, y)), RED), y
    assert _close(result.getpixel((2, 100)), RED) and _close(result.getpixel((197, 100)), RED)


def test_a_tall_picture_is_padded_left_and_right():
    stored = process_upload(_file(Image.new("RGB", (100, 300), BLUE), "PNG")).data
    result = _opened(prepare_for_platform(stored, square=True, min_side=None, max_side=None,
                                          max_bytes=None))
    assert result.size == (300, 300)
    assert _close(result.getpixel((50, 150)), WHITE) and _close(result.getpixel((250, 150)), WHITE)
    assert _close(result.getpixel((150, 150)), BLUE)


def test_transparency_is_flattened_on_white_for_a_jpeg():
    image = Image.new("RGBA", (100, 100), (*RED, 255))
    image.paste((0, 0, 0, 0), (0, 0, 100, 50))
    stored = process_upload(_file(image, "PNG")).data
    result = _opened(prepare_for_platform(stored, square=False, min_side=None, max_side=None,
                                          max_bytes=None))
    assert (result.format, result.mode) == ("JPEG", "RGB")
    assert _close(result.getpixel((50, 20)), WHITE) and _close(result.getpixel((50, 80)), RED)


def test_a_png_for_a_platform_keeps_its_transparency_unless_squared():
    image = Image.new("RGBA", (100, 50), (0, 0, 0, 0))
    image.paste((*RED, 255), (50, 0, 100, 50))
    stored = process_upload(_file(image, "PNG")).data
    kept = _opened(prepare_for_platform(stored, square=False, min_side=None, max_side=None,
                                        max_bytes=None, fmt="png"))
    assert (kept.format, kept.mode, kept.getpixel((10, 10))[3]) == ("PNG", "RGBA", 0)
    squared = _opened(prepare_for_platform(stored, square=True, min_side=None, max_side=None,
                                           max_bytes=None, fmt="png"))
    assert (squared.format, squared.size, squared.mode) == ("PNG", (100, 100), "RGB")
    assert squared.getpixel((10, 50)) == WHITE and squared.getpixel((75, 50)) == RED


def test_a_small_photo_is_enlarged_to_the_minimum_side_and_says_so():
    stored = process_upload(_file(Image.new("RGB", (200, 100), RED), "PNG")).data
    result = prepare_platform_image(stored, square=False, min_side=330, max_side=5000,
                                    max_bytes=None)
    assert (result.width, result.height) == (660, 330)
    assert _opened(result.data).size == (660, 330)
    assert result.upscaled_from == (200, 100)
    squared = prepare_platform_image(stored, square=True, min_side=500, max_side=None,
                                     max_bytes=None)
    assert (squared.width, squared.height, squared.upscaled_from) == (500, 500, (200, 200))


def test_a_big_photo_is_shrunk_to_the_maximum_side():
    big = _file(Image.new("RGB", (3000, 1000), GREEN), "PNG")
    result = prepare_platform_image(big, square=False, min_side=300, max_side=1200,
                                    max_bytes=None)
    assert (result.width, result.height, result.upscaled_from) == (1200, 400, None)
    assert _opened(result.data).size == (1200, 400)
    squared = _opened(prepare_for_platform(big, square=True, min_side=300, max_side=1200,
                                           max_bytes=None))
    assert squared.size == (1200, 1200)


def test_a_photo_within_the_sides_keeps_its_size():
    stored = process_upload(_file(Image.new("RGB", (800, 600), GREEN), "PNG")).data
    result = prepare_platform_image(stored, square=False, min_side=330, max_side=5000,
                                    max_bytes=None)
    assert (result.width, result.height, result.upscaled_from) == (800, 600, None)


def test_a_long_thin_picture_that_fits_no_size_is_refused():
    stored = process_upload(_file(Image.new("RGB", (2000, 100), GREEN), "PNG")).data
    with pytest.raises(ImageRefused) as refusal:
        prepare_for_platform(stored, square=False, min_side=330, max_side=5000, max_bytes=None)
    assert refusal.value.details == {"reason": "shape"}
    assert "2000×100" in str(refusal.value.message)
    # Padded square, the same picture fits.
    assert _opened(prepare_for_platform(stored, square=True, min_side=330, max_side=5000,
                                        max_bytes=None)).size == (2000, 2000)


def test_a_noisy_photo_is_compressed_harder_until_it_fits_the_byte_limit():
    noisy = _file(_noise(1000, 1000), "PNG")
    at_first_quality = len(prepare_for_platform(noisy, square=False, min_side=None,
                                                max_side=None, max_bytes=None))
    limit = 600_000
    assert at_first_quality > limit  # the limit is really below what quality 85 gives
    result = prepare_platform_image(noisy, square=False, min_side=None, max_side=None,
                                    max_bytes=limit)
    assert len(result.data) <= limit
    assert result.quality in images.PLATFORM_QUALITY_STEPS and result.quality < 85
    assert _opened(result.data).size == (1000, 1000)


def test_a_photo_that_no_quality_step_fits_is_refused():
    noisy = _file(_noise(1000, 1000), "PNG")
    with pytest.raises(ImageRefused) as refusal:
        prepare_for_platform(noisy, square=False, min_side=None, max_side=None,
                             max_bytes=50 * 1024)
    assert refusal.value.details == {"reason": "too_many_bytes"}
    assert "50 KB" in str(refusal.value.message)


def test_a_png_over_the_byte_limit_is_refused():
    noisy = _file(_noise(300, 300), "PNG")
    with pytest.raises(ImageRefused):
        prepare_for_platform(noisy, square=False, min_side=None, max_side=None,
                             max_bytes=10_000, fmt="png")


def test_a_platform_copy_carries_no_metadata():
    result = prepare_for_platform(_sideways_photo(), square=True, min_side=100, max_side=None,
                                  max_bytes=None)
    image = _opened(result)
    assert image.size == (100, 100)
    assert _close(image.getpixel((80, 10)), GREEN, tolerance=10)  # upright here as well
    _has_no_metadata(result)


def test_bad_arguments_are_the_callers_mistake():
    stored = process_upload(_file(Image.new("RGB", (20, 20), RED), "PNG")).data
    with pytest.raises(ValueError):
        prepare_for_platform(stored, square=True, min_side=500, max_side=400, max_bytes=None)
    with pytest.raises(ValueError):
        prepare_for_platform(stored, square=True, min_side=None, max_side=None, max_bytes=None,
                             fmt="gif")


def test_the_module_imports_neither_flask_nor_the_database():
    from tests.test_architecture import DATABASE, FLASK, MODULES, _third_party
    assert "catalog_export.images" in MODULES
    assert _third_party("catalog_export.images", FLASK + DATABASE) == set()
