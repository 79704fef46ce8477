"""`manage.py check --deploy` is clean with production variables, and misconfiguration is loud."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DEBUG": "False",
    "SECRET_KEY": "a-long-random-production-secret-0123456789-abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "scim.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://scim.example.com",
    "DATABASE_URL": "postgres://scim:secret@db.example.com:5432/scim",  # never connected to
    "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.com:587",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in PRODUCTION and not k.startswith("SECURE") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_variables():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_missing_secret_key_in_production_fails_loudly():
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    result = manage("check", **env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_without_a_mail_server_fails_the_deploy_check():
    """Invitations carry set-password links: never printed to a production log, never dropped
    without a word."""
    env = {k: v for k, v in PRODUCTION.items() if k != "EMAIL_URL"}
    result = manage("check", "--deploy", **env)
    assert result.returncode != 0
    assert "workspaces.E001" in result.stderr
    assert "set EMAIL_URL to your mail server" in result.stderr


def test_production_without_a_mail_setting_prints_no_invitation():
    script = "from django.conf import settings; print(settings.EMAIL_BACKEND)"
    env = {k: v for k, v in PRODUCTION.items() if k != "EMAIL_URL"}
    result = manage("shell", "--no-imports", "-c", script, **env)
    assert result.stdout.strip() == "django.core.mail.backends.dummy.EmailBackend"
    development = manage("shell", "--no-imports", "-c", script, DEBUG="True")
    assert development.stdout.strip() == "django.core.mail.backends.console.EmailBackend"


def test_the_console_mail_backend_fails_the_deploy_check_too():
    result = manage("check", "--deploy", **{**PRODUCTION, "EMAIL_URL": "consolemail://"})
    assert result.returncode != 0
    assert "workspaces.E001" in result.stderr


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"SCIM_TRUSTED_PROXY_COUNT": "1"}, "SCIM_TRUSTED_PROXY_COUNT needs SCIM_TRUSTED_PROXIES"),
        (
            {"SCIM_TRUSTED_PROXY_COUNT": "1", "SCIM_TRUSTED_PROXIES": "10.0.0.1, proxy.internal"},
            "SCIM_TRUSTED_PROXIES has entries that are not addresses: proxy.internal",
        ),
    ],
)
def test_trusted_proxies_must_be_named_by_address(variables, message):
    result = manage("check", **PRODUCTION, **variables)
    assert result.returncode != 0
    assert message in result.stderr


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        (
            {"SCIM_REQUEST_LOG_RETENTION_DAYS": "0"},
            "SCIM_REQUEST_LOG_RETENTION_DAYS must be at least 1 day, not 0",
        ),
        ({"ACTIVITY_RETENTION_DAYS": "-5"}, "ACTIVITY_RETENTION_DAYS must be at least 1 day"),
        (
            {"METRICS_ALLOWED_IPS": "10.0.0.0/8, prometheus.internal"},
            "METRICS_ALLOWED_IPS has entries that are not addresses: prometheus.internal",
        ),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT must be json or text, not 'xml'"),
    ],
)
def test_operations_settings_that_make_no_sense_stop_the_start(variables, message):
    result = manage("check", **PRODUCTION, **variables)
    assert result.returncode != 0
    assert message in result.stderr


def test_the_wsgi_application_loads_every_view_and_freezes_them_for_the_collector():
    script = (
        "import gc, sys; import config.wsgi; "
        "print(gc.get_freeze_count() > 50_000, 'provisioning.scim.views' in sys.modules)"
    )
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION}
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**clean, **PRODUCTION},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True"]
