"""What a service raises when it refuses a request, and the sentences it gives for a person.

No Flask here: services raise a DomainError; errors.py turns it into the one JSON body and the one
error page, translating every Message through Flask-Babel then, in the reader's language. A
command-line tool prints str(message): the Vietnamese text with its values.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from formats import money_text


class Money(int):
    """A sum of whole đồng among a message's values, written as the reader's language writes money
    ("125.000 đ", "125,000 VND"): N_("Giá %(price)s ...", price=Money(125000))."""

    __slots__ = ()


class Message:
    """A sentence for a person: its text as written in the translation catalogue (Vietnamese, the
    source language; %(name)s placeholders) and the values of its placeholders. A value may be
    a Message itself, or a list of them (shown joined by commas), translated with it, or Money."""

    __slots__ = ("msgid", "params")

    def __init__(self, msgid: str, **params):
        self.msgid = msgid
        self.params = params

    def render(self, translate: Callable[[str], str], *, language: str = "vi",
               ngettext: Callable[[str, str, int], str] | None = None) -> str:
        """The sentence with its values in `language`, each text passed through
        `translate(msgid)`, a sentence with a number through `ngettext(singular, plural, n)`."""
        text = self._text(translate, ngettext)
        if not self.params:
            return text
        return text % {name: _rendered(value, translate, language, ngettext)
                       for name, value in self.params.items()}

    def _text(self, translate, ngettext) -> str:
        return translate(self.msgid)

    def __str__(self) -> str:
        return self.render(lambda msgid: msgid)

    def __repr__(self) -> str:
        return f"N_({self.msgid!r}{''.join(f', {k}={v!r}' for k, v in self.params.items())})"

    # A Message is equal to its text with its values, in Vietnamese: tests and logs compare it
    # with what a Vietnamese reader sees.
    def __eq__(self, other) -> bool:
        if isinstance(other, Message):
            return (self.msgid, self.params) == (other.msgid, other.params)
        if isinstance(other, str):
            return str(self) == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(str(self))


class PluralMessage(Message):
    """A sentence whose words follow a number, %(count)s: English says "1 column", "2 columns".
    Vietnamese has one form, so `plural` repeats the Vietnamese text; the English catalogue
    gives both forms (msgid_plural)."""

    __slots__ = ("plural",)

    def __init__(self, msgid: str, plural: str, *, count: int, **params):
        super().__init__(msgid, count=count, **params)
        self.plural = plural

    def _text(self, translate, ngettext) -> str:
        if ngettext is None:  # no catalogue: the source language's own choice
            return self.msgid if self.params["count"] == 1 else self.plural
        return ngettext(self.msgid, self.plural, self.params["count"])


def _rendered(value, translate, language, ngettext):
    if isinstance(value, Message):
        return value.render(translate, language=language, ngettext=ngettext)
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, Message) for v in value):
        return ", ".join(v.render(translate, language=language, ngettext=ngettext)
                         for v in value)
    if isinstance(value, Money):
        return money_text(value, language)
    return value


# The marker the translation catalogue is extracted by (pybabel's keyword N_, as gettext_noop):
# N_("Không có chợ «%(name)s».", name=market.name) is a Message, translated where it is shown.
N_ = Message
# And for a sentence with a number (as ngettext): N_plural("Có %(count)s cột.", "Có %(count)s cột.",
# count=n), the Vietnamese twice.
N_plural = PluralMessage

FieldErrors = Mapping[str, "Message | Iterable[Message]"]


class RefusedValue(ValueError):
    """A value a pure rule refuses (a spreadsheet cell, a stall code), raised below the services;
    `message` says to a person what to do instead, and callers show it beside the field or row
    it came from."""

    def __init__(self, message: Message):
        super().__init__(str(message))
        self.message = message


class DomainError(Exception):
    """A request a service refuses. `code` names the reason for programs (API clients, the
    phone's script); `message` says it to a person, `fields` says it beside each field at fault
    (field name -> messages); `details` carries data a client can act on (the possible
    duplicates of a vendor, say). `status` is what it means over HTTP. A kind of error names
    both where it is declared: `class NotFound(DomainError, status=404, code="not_found")`."""

    status = 422
    code = "invalid"

    def __init_subclass__(cls, *, status: int | None = None, code: str | None = None, **kwargs):
        super().__init_subclass__(**kwargs)
        if status is not None:
            cls.status = status
        if code is not None:
            cls.code = code

    def __init__(self, message: Message | None = None, *, fields: FieldErrors | None = None,
                 code: str | None = None, **details):
        self.message = message
        self.fields: dict[str, list[Message]] = {
            name: [messages] if isinstance(messages, Message) else list(messages)
            for name, messages in (fields or {}).items()
        }
        if code is not None:
            self.code = code
        self.details = details
        super().__init__(str(self))

    def messages(self) -> list[Message]:
        """Every sentence of the error: its message, then each field's."""
        found = [self.message] if self.message is not None else []
        return found + [m for messages in self.fields.values() for m in messages]

    def __str__(self) -> str:
        return "; ".join(str(message) for message in self.messages())


class Invalid(DomainError, status=422, code="invalid"):
    """The input breaks a rule (a field's format, a date, a choice outside the user's area)."""


class Forbidden(DomainError, status=403, code="forbidden"):
    """The user sees the record but their role may not do this to it."""


class NotFound(DomainError, status=404, code="not_found"):
    """No such record within the user's area: one outside it is not disclosed."""


class Conflict(DomainError, status=409, code="conflict"):
    """The request clashes with what is recorded (a name already used, a duplicate)."""


class TooLarge(DomainError, status=413, code="too_large"):
    """An upload or a request over a limit the message names."""


class Gone(DomainError, status=410, code="gone"):
    """What was asked for was here and has been removed for good (a job's file past its time)."""


class TooMany(DomainError, status=429, code="too_many"):
    """The user has asked for more at once than one person may (jobs waiting to run)."""
