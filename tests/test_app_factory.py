"""app.Cho40Flask: Flask's sync/async decision, remembered per code object, stays Flask's."""
from __future__ import annotations

import functools


def test_ensure_sync_still_tells_coroutine_functions_apart(app):
    wrapped = []
    app.async_to_sync = lambda func: wrapped.append(func) or "ran through async_to_sync"

    def plain():
        return "plain"

    async def coroutine():
        return "coroutine"

    def make_async():
        async def made_each_time():
            return None
        return made_each_time

    for _ in range(2):  # the second time from what was kept
        assert app.ensure_sync(plain) is plain
        assert app.ensure_sync(coroutine) == "ran through async_to_sync"
        assert app.ensure_sync(functools.partial(coroutine)) == "ran through async_to_sync"
        assert app.ensure_sync(make_async()) == "ran through async_to_sync"
        bound = functools.partial(plain)
        assert app.ensure_sync(bound) is bound
    assert len(wrapped) == 6
