"""Files written whole or not at all."""

from __future__ import annotations

import pytest

from files import atomic_output


def test_output_appears_only_when_complete(tmp_path):
    target = tmp_path / "out.pdf"
    with pytest.raises(RuntimeError), atomic_output(target) as out:
        out.write(b"%PDF-half")
        raise RuntimeError("renderer crashed")
    assert list(tmp_path.iterdir()) == []
    with atomic_output(target) as out:
        out.write(b"%PDF-whole")
        assert not target.exists()
    assert target.read_bytes() == b"%PDF-whole"
    assert list(tmp_path.iterdir()) == [target]


