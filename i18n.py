"""The translation catalogues: which markers the messages are extracted by, bringing the English
catalogue up to date with the code (`flask translations update`), compiling it for Flask-Babel
(`flask translations compile`), and reading a message in a given language outside a request
(the command line prints its refusals in Vietnamese and English)."""
from __future__ import annotations

import functools
import io
from pathlib import Path

import click
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from babel.support import NullTranslations, Translations

from domain_errors import Message

ROOT = Path(__file__).parent
TRANSLATIONS = ROOT / "translations"
ENGLISH_CATALOGUE = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
# Markers a message is found by: Flask-Babel's, domain_errors.N_ and N_plural (a Message,
# translated where it is shown) and schema_fields._m (marshmallow's messages).
KEYWORDS = {"_": None, "gettext": None, "lazy_gettext": None, "_l": None, "ngettext": (1, 2),
            "N_": None, "N_plural": (1, 2), "_m": None}
# Folders whose files hold no message a person reads in the app.
SKIPPED_DIRS = {".venv", "tests", "migrations", "bench", "instance", "node_modules", ".git",
                "scripts", "static"}


def messages_in_source(root: Path = ROOT) -> dict[str, list[tuple[str, int]]]:
    """Every message of the code and templates, with where it is used."""
    return _extracted(root)[0]


def _extracted(root: Path) -> tuple[dict[str, list[tuple[str, int]]], dict[str, str]]:
    """({msgid: where it is used}, {msgid: its plural} for the messages with a number)."""
    method_map = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
    found: dict[str, list[tuple[str, int]]] = {}
    plurals: dict[str, str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        root, method_map, keywords=KEYWORDS,
        directory_filter=lambda path: Path(path).name not in SKIPPED_DIRS,
    ):
        msgid = message if isinstance(message, str) else message[0]
        plural = message[1] if not isinstance(message, str) and len(message) > 1 else None
        if msgid in found and plurals.get(msgid) != plural:
            # gettext would not find the English of one of the two uses.
            raise ValueError(f"{filename}:{lineno}: «{msgid}» is used with and without a "
                             f"plural, or with two; also at {found[msgid]}")
        if plural:
            plurals[msgid] = plural
        found.setdefault(msgid, []).append((filename, lineno))
    return found, plurals


def update_catalogue(path: Path = ENGLISH_CATALOGUE) -> tuple[list[str], list[str]]:
    """Add the code's new messages to the catalogue (untranslated) and mark those the code no
    longer uses as obsolete; returns (added, obsolete). A message that gained or lost its plural
    counts as new: its English needs both forms, or one."""
    with path.open("rb") as po_file:
        catalogue = read_po(po_file)
    used, plurals = _extracted(ROOT)
    known = {_msgid(message) for message in catalogue if message.id}
    reshaped = sorted(msgid for msgid in set(used) & known
                      if _plural(catalogue[msgid]) != plurals.get(msgid))
    added = sorted(set(used) - known)
    obsolete = sorted(known - set(used))
    for msgid in reshaped:
        del catalogue[msgid]
    for msgid in added + reshaped:
        # A message used again gets back the translation it had.
        earlier = catalogue.obsolete.pop(msgid, None)
        if msgid in plurals:
            string = earlier.string if earlier and _plural(earlier) == plurals[msgid] else ("", "")
            catalogue.add((msgid, plurals[msgid]), string, locations=used[msgid])
        else:
            string = earlier.string if earlier and _plural(earlier) is None else ""
            catalogue.add(msgid, string, locations=used[msgid])
    for msgid in obsolete:
        catalogue.obsolete[msgid] = catalogue[msgid]
        del catalogue[msgid]
    for msgid, locations in used.items():
        catalogue[msgid].locations = locations
    with path.open("wb") as po_file:
        write_po(po_file, catalogue, width=100, sort_output=False)
    return sorted(added + reshaped), obsolete


def _msgid(message) -> str:
    return message.id[0] if isinstance(message.id, tuple) else message.id


def _plural(message) -> str | None:
    return message.id[1] if isinstance(message.id, tuple) else None


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


@functools.cache
def _translations(locale: str) -> NullTranslations:
    if locale == "vi":
        return NullTranslations()  # the messages are written in Vietnamese
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as po_file:
        catalogue = read_po(po_file)
    compiled = io.BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    return Translations(compiled)


def in_language(message: Message | str, locale: str) -> str:
    """A message in `locale` ("vi" or "en") without a request: for the command line."""
    translations = _translations(locale)
    if isinstance(message, Message):
        return message.render(translations.gettext, language=locale,
                              ngettext=translations.ngettext)
    return translations.gettext(message)


@click.group("translations", help="Bản dịch giao diện.")
def translations_cli() -> None:
    pass


@translations_cli.command("update")
def update_command() -> None:
    """Đưa các câu mới trong mã nguồn vào bản dịch tiếng Anh (để dịch), bỏ các câu không còn dùng."""
    added, obsolete = update_catalogue()
    click.echo(f"{ENGLISH_CATALOGUE}: {len(added)} câu mới cần dịch, {len(obsolete)} câu bỏ.")
    for msgid in added:
        click.echo(f"  + {msgid}")


@translations_cli.command("compile")
def compile_command() -> None:
    """Biên dịch bản dịch (.po → .mo)."""
    for path in compile_catalogs():
        click.echo(f"Đã biên dịch {path}")
