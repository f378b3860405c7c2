"""Every message of the code, the templates and the services' refusals has its English
translation (Vietnamese is the source), with the same placeholders."""
from __future__ import annotations

import re

from babel.messages.pofile import read_po

from domain_errors import N_
from i18n import ENGLISH_CATALOGUE, in_language, messages_in_source

PLACEHOLDER = re.compile(r"%\((\w+)\)s|\{(\w+)\}")


def _catalogue():
    with ENGLISH_CATALOGUE.open("rb") as po:
        return read_po(po)


def test_every_message_has_an_english_translation():
    translated = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalogue()
                  if m.id and m.string and not m.fuzzy}
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
        if not message.id or not message.string or isinstance(message.id, tuple):
            continue
        if set(PLACEHOLDER.findall(message.id)) != set(PLACEHOLDER.findall(message.string)):
            wrong.append((message.id, message.string))
    assert wrong == []


def test_a_message_reads_in_either_language_outside_a_request():
    message = N_("Chợ «%(market)s» đã có quầy số %(code)s.", market="Chợ Đại Từ", code="B-12")
    assert in_language(message, "vi") == "Chợ «Chợ Đại Từ» đã có quầy số B-12."
    english = in_language(message, "en")
    assert "Chợ Đại Từ" in english and "B-12" in english and english != in_language(message, "vi")
