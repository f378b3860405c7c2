"""Every message of the code, the templates and the services' refusals has its English
translation (Vietnamese is the source), with the same placeholders."""
from __future__ import annotations

import re

from babel.messages.pofile import read_po

from domain_errors import N_, N_plural
from i18n import ENGLISH_CATALOGUE, in_language, messages_in_source

PLACEHOLDER = re.compile(r"%\((\w+)\)s|\{(\w+)\}")


def _catalogue():
    with ENGLISH_CATALOGUE.open("rb") as po:
        return read_po(po)


def _translated(message) -> bool:
    # A message with a number has its English twice: singular and plural.
    forms = message.string if isinstance(message.string, tuple) else (message.string,)
    return all(forms) and not message.fuzzy


def test_every_message_has_an_english_translation():
    translated = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalogue()
                  if m.id and _translated(m)}
    missing = sorted(set(messages_in_source()) - translated)
    assert missing == [], f"{len(missing)} messages lack English: {missing[:10]}"


def test_the_service_messages_are_in_the_catalogue():
    # Messages raised by services (domain_errors.N_) are extracted like the pages' own.
    found = messages_in_source()
    assert "Không tìm thấy tiểu thương này trong địa bàn của bạn." in found  # vendors.changes
    assert "Chợ «%(market)s» đã có quầy số %(code)s." in found  # market.service


def test_every_translation_keeps_the_placeholders_of_its_message():
    wrong = []
    for message in _catalogue():
        if not message.id or not _translated(message):
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in strings:
            if set(PLACEHOLDER.findall(ids[0])) != set(PLACEHOLDER.findall(text)):
                wrong.append((ids[0], text))
    assert wrong == []


def test_messages_with_a_number_have_an_english_singular_and_plural():
    # Vietnamese has one form, English two: "1 row", "2 rows" (ngettext, N_plural).
    singular, plural = (in_language(N_plural("%(n)s dòng", "%(n)s dòng", count=n, n=n), "en")
                        for n in (1, 2))
    assert (singular, plural) == ("1 row", "2 rows")
    assert in_language(N_plural("%(n)s dòng", "%(n)s dòng", count=1, n=1), "vi") == "1 dòng"
    assert str(N_plural("%(n)s dòng", "%(n)s dòng", count=2, n=2)) == "2 dòng"
    plurals = [m.id[0] for m in _catalogue() if isinstance(m.id, tuple)]
    assert "%(n)s dòng" in plurals and "%(n)s kết quả" in plurals


def test_a_message_reads_in_either_language_outside_a_request():
    message = N_("Chợ «%(market)s» đã có quầy số %(code)s.", market="Chợ Đại Từ", code="B-12")
    assert in_language(message, "vi") == "Chợ «Chợ Đại Từ» đã có quầy số B-12."
    english = in_language(message, "en")
    assert "Chợ Đại Từ" in english and "B-12" in english and english != in_language(message, "vi")
