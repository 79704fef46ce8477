"""Playwright against Debian's Chromium (see reference/browser-testing.md); no `playwright install`.

DJANGO_ALLOW_ASYNC_UNSAFE is set by pytest-env (pyproject.toml), before any DB fixture runs.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.factories import PASSWORD

CHROMIUM = os.environ.get("CHROMIUM_BIN") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",  # root cannot use Chromium's sandbox
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results"


def _require_chromium() -> None:
    if os.path.exists(CHROMIUM):
        return
    message = f"Chromium not found at {CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_BIN)"
    if os.environ.get("CI"):
        # In CI a silently skipped browser suite would look green while testing nothing.
        pytest.fail(message, pytrace=False)
    pytest.skip(f"BROWSER TESTS SKIPPED: {message}")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    _require_chromium()
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture
def screenshot(page):
    """Save a full-page screenshot under test-results/ (gitignored) for a person to look at."""

    def take(name: str) -> None:
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return take


@pytest.fixture
def signed_in(page, live_server, company_admin):
    """The page, signed in as the company admin through the real login form."""

    def sign_in(next_path: str = "/settings/admin/scim/") -> None:
        page.goto(f"{live_server.url}/accounts/login/?next={next_path}")
        page.fill("#id_username", company_admin.email)
        page.fill("#id_password", PASSWORD)
        page.get_by_role("button", name="Sign in").click()

    return sign_in


@pytest.fixture(scope="session", autouse=True)
def delete_output_dir() -> None:
    """pytest-playwright empties test-results/ at every session start; keep the screenshots.

    Its failure artifacts go to per-test folders there and are simply overwritten.
    """
