"""Prometheus metrics at /metrics: requests by endpoint, method and status, their latency, the
SCIM rate limit's refusals, and the task queue.

The request metrics are recorded by one middleware, a few counter increments a request. The
endpoint is the URL pattern's name (`scim:user-detail`), never the path, so a label has as many
values as the URLconf has patterns. The task queue is read from PostgreSQL when scraped.

Under gunicorn each worker process writes its samples to files in `PROMETHEUS_MULTIPROC_DIR`
(gunicorn.conf.py makes one) and a scrape adds them up; elsewhere (runserver, tests) the
process's own registry is served.
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Callable, Iterator

from django.conf import settings
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.views.decorators.cache import never_cache
from procrastinate.contrib.django import app
from procrastinate.contrib.django.models import ProcrastinateJob
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from rest_framework.authentication import get_authorization_header

from provisioning.client_ip import client_ip

REQUESTS = Counter(
    "http_requests",
    "HTTP requests by endpoint, method and status.",
    ["endpoint", "method", "status"],
)
LATENCY = Histogram(
    "http_request_duration_seconds",
    "Time from the request's arrival at Django to its response, by endpoint.",
    ["endpoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
RATE_LIMIT_REFUSALS = Counter(
    "scim_rate_limit_refusals",
    "SCIM requests refused with 429: `daily` (the company's daily limit) or `invalid_token` "
    "(too many invalid tokens from one address).",
    ["limit"],
)

# Any other method a client sends is counted as "other", so it can't add label values.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Jobs of these states are what operators watch; succeeded ones are deleted by the worker.
JOB_STATES = ("todo", "doing", "failed")


class MetricsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = request.resolver_match  # None for what middleware answered (static files)
        endpoint = match.view_name if match is not None else "none"
        method = request.method if request.method in METHODS else "other"
        REQUESTS.labels(endpoint, method, str(response.status_code)).inc()
        LATENCY.labels(endpoint).observe(time.perf_counter() - started)
        if response.status_code == 429:
            # The gate's throttle leaves the company's rate on the request (provisioning/scim).
            limit = "daily" if getattr(request, "scim_rate", None) is not None else "invalid_token"
            RATE_LIMIT_REFUSALS.labels(limit).inc()
        return response


class TaskQueueCollector:
    """`task_queue_jobs{task, status}`: the jobs waiting (todo), running (doing) and failed."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        jobs = GaugeMetricFamily(
            "task_queue_jobs",
            "Jobs in the task queue by task and status (todo, doing, failed).",
            labels=["task", "status"],
        )
        ours = [name for name in app.tasks if not name.startswith(("builtin:", "procrastinate."))]
        counts = dict.fromkeys(((task, state) for task in ours for state in JOB_STATES), 0)
        rows = (
            ProcrastinateJob.objects.filter(status__in=JOB_STATES)
            .values_list("task_name", "status")
            .annotate(jobs=Count("id"))
            .order_by()
        )
        counts.update({(task, state): jobs for task, state, jobs in rows})
        for (task, state), value in sorted(counts.items()):
            jobs.add_metric([task, state], value)
        yield jobs


def _allowed(request: HttpRequest) -> bool:
    """A scraper with the token, or from an allowed address; with neither configured, anyone,
    but only on a DEBUG server."""
    token = settings.METRICS_TOKEN
    if token:
        scheme, _, presented = get_authorization_header(request).partition(b" ")
        if scheme.lower() == b"bearer" and hmac.compare_digest(presented.strip(), token.encode()):
            return True
    allowlist = settings.METRICS_ALLOWLIST
    if allowlist and allowlist.allows(client_ip(request)):
        return True
    return settings.DEBUG and not token and not allowlist


def _registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(REGISTRY)  # a registry collects like any collector
    registry.register(TaskQueueCollector())
    return registry


@never_cache
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not _allowed(request):
        return HttpResponseForbidden()
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)
