"""Every message in the code and templates has its English translation (Vietnamese is the source)."""
from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
SKIPPED_DIRS = {".venv", "tests", "migrations", "bench", "instance", "node_modules", ".git"}
KEYWORDS = {"_": None, "gettext": None, "lazy_gettext": None, "_l": None, "ngettext": (1, 2)}


def _messages_in_source() -> set[str]:
    method_map = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
    found = set()
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        ROOT, method_map, keywords=KEYWORDS,
        directory_filter=lambda path: Path(path).name not in SKIPPED_DIRS,
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_message_has_an_english_translation():
    with (ROOT / "translations/en/LC_MESSAGES/messages.po").open("rb") as po:
        catalog = read_po(po)
    translated = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id and m.string}
    missing = sorted(_messages_in_source() - translated)
    assert missing == [], f"{len(missing)} messages lack English: {missing[:10]}"
