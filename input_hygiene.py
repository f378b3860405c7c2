"""Requests refused before any view reads them, in one place for pages and API alike: text no
database can store (NUL, a lone UTF-16 surrogate; textnorm.unstorable) anywhere in the query,
the form or a JSON body, and JSON nested deeper than MAX_JSON_DEPTH, both 422 with a sentence;
and record ids past what the database's integer columns hold, which match no route (404)."""
from __future__ import annotations

import json
import re

from flask import Flask, request
from werkzeug.routing import IntegerConverter

from domain_errors import N_, Invalid
from schema_fields import MAX_ID
from textnorm import unstorable

# No body this API takes nests past 4 levels; Python's parser gives up (RecursionError, a 500)
# somewhere past a thousand, and every level costs a stack frame in each schema that walks it.
MAX_JSON_DEPTH = 64


class RecordIdConverter(IntegerConverter):
    """<int:...> in every route: ASCII digits only (werkzeug's \\d+ takes "٣" as 3), and a number
    over MAX_ID matches nothing, so a page or the API answers 404 for it as for any record that
    does not exist, rather than handing PostgreSQL a value its integer columns refuse."""

    regex = r"[0-9]+"

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def record_id(text) -> int | None:
    """A record's id from a form or query field: ASCII digits from 1 to MAX_ID, else None (no
    such record). For request.args.get(name, type=record_id) too."""
    value = str(text or "").strip()
    if not (value.isascii() and value.isdigit()) or len(value) > 10:
        return None
    number = int(value)
    return number if 1 <= number <= MAX_ID else None


# How a JSON document's bytes can carry NUL or a lone surrogate into its text (json.loads reads
# bytes with "surrogatepass"): the escapes \u0000 and \uD800-\uDFFF, a NUL byte (also in every
# UTF-16 or UTF-32 document), or a surrogate encoded as UTF-8 (ED A0-BF). Without any of these
# no string in the document needs looking at.
_MAYBE_UNSTORABLE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])|\x00|\xed[\xa0-\xbf]")


class UnstorableText(Invalid, code="unstorable_text"):
    pass


class TooDeep(Invalid, code="json_too_deep"):
    pass


def init_app(app: Flask) -> None:
    """Before any blueprint is registered: its routes' <int:...> take the converter then."""
    app.url_map.converters["int"] = RecordIdConverter
    app.before_request(check_request)


def check_request() -> None:
    parts = [request.args] if request.query_string else []
    mimetype = request.mimetype
    if mimetype == "application/x-www-form-urlencoded":
        # Read and kept first, so that the form is parsed from the copy and the API's own check
        # (api.py: "send JSON") still sees the body it was sent.
        request.get_data(cache=True)
        parts.append(request.form)
    elif mimetype == "multipart/form-data" and not request.path.startswith("/api/"):
        # (The API takes files alone this way, and says so of anything else it is sent.)
        parts.append(request.form)
        for name, upload in request.files.items(multi=True):
            if unstorable(upload.filename or ""):
                raise _unstorable(name)
    for part in parts:
        for name, value in part.items(multi=True):
            if unstorable(name) or unstorable(value):
                raise _unstorable(name)
    if request.is_json and request.content_length != 0:
        check_json(request.get_data(cache=True))


def check_json(data: bytes) -> None:
    """UnstorableText or TooDeep for a JSON document that holds either; a document that is no
    JSON is left to the view's parser, which says so (400)."""
    try:
        document = json.loads(data)
    except RecursionError:
        raise _too_deep() from None
    except ValueError:
        return
    # Text is looked at only when the bytes sent could spell NUL or a surrogate at all, and
    # depth only when there are more brackets than levels allowed (each level opens one).
    texts = _MAYBE_UNSTORABLE.search(data) is not None
    if not texts and data.count(b"{") + data.count(b"[") <= MAX_JSON_DEPTH:
        return
    # Walked with a list rather than recursion: the document may be as deep as Python allows.
    # Each value carries the path to it as (parent's path, key), spelled out only for an error.
    pending = [(document, 1, None)]
    while pending:
        value, depth, path = pending.pop()
        if isinstance(value, (dict, list)):
            if depth > MAX_JSON_DEPTH:
                raise _too_deep()
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, inner in items:
                if texts and isinstance(key, str) and unstorable(key):
                    raise _unstorable(_dotted(path))
                if texts or isinstance(inner, (dict, list)):
                    pending.append((inner, depth + 1, (path, key)))
        elif isinstance(value, str) and unstorable(value):
            raise _unstorable(_dotted(path))


def _dotted(path) -> str:
    """("payment_methods", 0, "account_holder") as check_json carries it, dotted; "_schema" for
    the document itself."""
    keys = []
    while path is not None:
        path, key = path
        keys.append(str(key))
    return ".".join(reversed(keys)) or "_schema"


def _unstorable(field: str) -> UnstorableText:
    message = N_("Có ký tự không hợp lệ (ký tự NUL hoặc mã UTF-16 đơn lẻ) trong dữ liệu gửi lên. "
                 "Hãy gõ lại hoặc dán lại nội dung.")
    field = "".join(ch if not unstorable(ch) else "?" for ch in field)[:100]
    return UnstorableText(message, fields={field: message} if field else None)


def _too_deep() -> TooDeep:
    return TooDeep(N_("Dữ liệu JSON lồng nhau quá %(limit)s cấp.", limit=MAX_JSON_DEPTH))
