"""The project's URLs plus the floor; the bench runs gunicorn with ROOT_URLCONF=bench.urls."""

from __future__ import annotations

from django.urls import path

from bench.floor import floor
from config.urls import urlpatterns as project_urlpatterns

urlpatterns = [path("bench/floor", floor, name="bench-floor"), *project_urlpatterns]
