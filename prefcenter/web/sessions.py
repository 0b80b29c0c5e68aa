"""Flask's signed-cookie sessions, with the cookie signer built once per app."""

from __future__ import annotations

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer

SIGNER = "prefcenter.session_signer"


class SessionCookies(SecureCookieSessionInterface):
    """Flask builds a new signer on every request, even one with no cookie to read: a link
    scanner's GET paid for it. The keys are fixed once the app is built, so one signer serves."""

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        if SIGNER not in app.extensions:
            app.extensions[SIGNER] = super().get_signing_serializer(app)
        return app.extensions[SIGNER]  # type: ignore[no-any-return]
