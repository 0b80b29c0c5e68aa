"""Web blueprints, one per audience."""

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from prefcenter.web import health, preferences, requests, unsubscribe
    from prefcenter.web.api import bp as api_bp
    from prefcenter.web.console import bp as console_bp

    app.register_blueprint(unsubscribe.bp)
    app.register_blueprint(preferences.bp)
    app.register_blueprint(requests.bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(console_bp)
    app.register_blueprint(health.bp)
