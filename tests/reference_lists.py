"""Checking how a reader of a shipped reference list (banks, administrative units) refuses a file."""
from __future__ import annotations

from collections.abc import Callable

import pytest

from reference_csv import ReferenceListError


def refusal(read: Callable[[str], object], error: type[ReferenceListError], header: str,
            rows: list[str]) -> str:
    """The message with which `read` refuses `rows` (with `error`), in a file of two comment
    lines and the header, so that the first row is line 4."""
    with pytest.raises(error) as refused:
        read("# Test list\n# Source: test\n" + "\n".join([header, *rows]))
    return str(refused.value)
