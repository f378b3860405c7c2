"""Compiling the translation catalogues Flask-Babel reads (.po sources to .mo)."""
from __future__ import annotations

from pathlib import Path

import click
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).parent / "translations"


def compile_catalogs(directory: Path = TRANSLATIONS) -> list[Path]:
    """Write each messages.mo beside its messages.po when missing or older; returns those written."""
    written = []
    for po_path in sorted(directory.glob("*/LC_MESSAGES/messages.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file)
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalog)
        written.append(mo_path)
    return written


@click.group("translations", help="Bản dịch giao diện.")
def translations_cli() -> None:
    pass


@translations_cli.command("compile")
def compile_command() -> None:
    """Biên dịch bản dịch (.po → .mo)."""
    for path in compile_catalogs():
        click.echo(f"Đã biên dịch {path}")
