"""WSGI entry point: `gunicorn wsgi:app`."""

import sys

from prefcenter import create_app
from prefcenter.errors import ConfigError

try:
    app = create_app()
except ConfigError as exc:
    sys.exit(f"prefcenter: {exc}")
