"""The pages' session: Flask's signed cookie, opened without building its signer when the request
sends no session cookie (every API request, which authenticates with a bearer token, and a first
visit). Flask makes the signer, a chain of key derivations and serializer objects, on every
request before it looks at the cookie; an empty session is all such a request gets either way."""
from __future__ import annotations

from flask.sessions import SecureCookieSessionInterface


class CookieSessionInterface(SecureCookieSessionInterface):
    def open_session(self, app, request):
        if "HTTP_COOKIE" not in request.environ or not request.cookies.get(
                self.get_cookie_name(app)):
            # As Flask answers: no session at all without a secret key, else a new empty one.
            return self.session_class() if app.secret_key else None
        return super().open_session(app, request)
