"""The pages' session: Flask's signed cookie, opened without building its signer when the request
sends no session cookie (every API request, which authenticates with a bearer token, and a first
visit), and saved without reading the cookie's settings when nothing touched it. Flask makes the
signer, a chain of key derivations and serializer objects, on every request before it looks at
the cookie, and reads seven settings before it sees there is nothing to save; the answer is the
same either way."""
from __future__ import annotations

from flask.sessions import SecureCookieSessionInterface


class CookieSessionInterface(SecureCookieSessionInterface):
    def open_session(self, app, request):
        if "HTTP_COOKIE" not in request.environ or not request.cookies.get(
                self.get_cookie_name(app)):
            # As Flask answers: no session at all without a secret key, else a new empty one.
            return self.session_class() if app.secret_key else None
        return super().open_session(app, request)

    def save_session(self, app, session, response):
        # Flask sets nothing, and adds no "Vary: Cookie", for a session never read nor changed.
        if session.accessed or session.modified or session:
            super().save_session(app, session, response)
