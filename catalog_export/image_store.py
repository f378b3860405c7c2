"""Where product photos are kept: files under random names in one private folder (never the
static folder), written whole or not at all, readable only by the app's own user."""
from __future__ import annotations

import re
import secrets
from pathlib import Path

from catalog_export.images import ProcessedImage
from files import atomic_output

_NAME = re.compile(r"^[A-Za-z0-9_-]{20,64}\.(jpg|png)$")


def images_dir(app) -> Path:
    """The app's PRODUCT_IMAGES_DIR, else its instance folder's product_images/."""
    return Path(app.config.get("PRODUCT_IMAGES_DIR") or Path(app.instance_path) / "product_images")


def media_type(name: str) -> str:
    return "image/png" if name.endswith(".png") else "image/jpeg"


def store(folder: Path, image: ProcessedImage) -> tuple[str, str]:
    """Write the photo and its thumbnail under new random names; returns (file, thumbnail)."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    extension = "jpg" if image.format == "jpeg" else "png"
    token = secrets.token_urlsafe(24)
    names = (f"{token}.{extension}", f"{token}-t.{extension}")
    for name, data in zip(names, (image.data, image.thumbnail)):
        with atomic_output(folder / name) as out:
            out.write(data)
        (folder / name).chmod(0o600)
    return names


def path_of(folder: Path, name: str) -> Path | None:
    """The stored file of that name, or None: a name this module did not make is never a path
    (no "../", no other folder)."""
    if not _NAME.fullmatch(name):
        return None
    path = folder / name
    return path if path.is_file() else None


def remove(folder: Path, *names: str) -> None:
    for name in names:
        path = path_of(folder, name)
        if path is not None:
            path.unlink(missing_ok=True)
