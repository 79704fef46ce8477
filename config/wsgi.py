"""WSGI entry point for gunicorn: `gunicorn config.wsgi`."""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# Import what the first request would (the URLconf imports every view), then take everything
# built so far out of the garbage collector's sight: it lives as long as the process anyway.
# Each full collection walked all of them, a pause that made the slowest requests
# (bench/README.md, third session, item 2).
get_resolver().url_patterns  # noqa: B018 - evaluated for its imports
gc.freeze()
