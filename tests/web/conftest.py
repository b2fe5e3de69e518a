"""A whole helin with a company for the web app, and a real Chromium driven by Playwright.

Chromium is Debian's (``/usr/bin/chromium``, package ``chromium``), never a browser Playwright
downloads. Without it or the ``playwright`` package the browser tests skip, or fail under
``HELIN_REQUIRE_ALL=1`` (CI). Each test saves a screenshot of every page it visits under its
temporary directory and under ``test-artifacts/screenshots/`` (kept after the run, not in git);
with ``HELIN_UPDATE_SCREENSHOTS=1`` also to ``docs/screenshots/`` for the guide (docs/web.md).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from tests.calls.company import agent, company
from tests.calls.conftest import make_node, peers  # noqa: F401  (fixtures for tests/web)
from tests.support import need

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path(os.environ.get("HELIN_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
SUPPORT = "+3726000100"
SALES = "+3726000200"
WAIT_MS = 15_000
"""How long a browser expectation may wait for the page to follow helin."""

ANN = agent("ann", "+3725000001", display_name="Ann Agent")
BOB = agent("bob", "+3725000002", display_name="Bob Agent")
MART = (
    "  - username: mart\n"
    "    password: mart-web-pass\n"
    "    display_name: Mart Manager\n"
    "    rights: [manager]\n"
)
USERS = ANN + BOB + MART
GROUPS = f"""\
- name: Support
  numbers: ["{SUPPORT}"]
  override: open
  queue: {{ring_timeout: 8, wrap_up: 1}}
  members: [ann, bob]
- name: Sales
  numbers: ["{SALES}"]
  policy: regular
  holidays: EE
  hours: {{mon-fri: "08:00-17:00", sat: "10:00-14:00"}}
  exceptions: [{{date: "2030-12-24", hours: "09:00-12:00", note: Christmas Eve}}]
  members: [ann]
"""
CONFIG = company(USERS, GROUPS)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Chromium for one test module: Playwright's sync API keeps an event loop running in the
    main thread while it lives, and tests after it that call ``asyncio.run`` need it gone."""
    need(
        importlib.util.find_spec("playwright") is not None,
        "the Python package playwright (pip install -e '.[dev]')",
    )
    need(
        CHROMIUM.is_file(),
        f"Chromium at {CHROMIUM} (Debian package chromium; scripts/system-deps.sh installs it)",
    )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield launched
        launched.close()


class Pages:
    """Browser tabs for one test, each its own session (cookies), and their screenshots."""

    def __init__(self, browser: Browser, base: str, artifacts: Path) -> None:
        self.browser = browser
        self.base = base
        self.artifacts = artifacts
        self.contexts: list[Any] = []
        self.errors: list[str] = []

    def open(self, *, phone: bool = False, language: str = "en") -> Page:
        viewport = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 900}
        context = self.browser.new_context(
            viewport=viewport,  # type: ignore[arg-type]
            locale="et-EE" if language == "et" else "en-GB",
            timezone_id="Europe/Tallinn",
            device_scale_factor=1,
        )
        self.contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(WAIT_MS)
        page.on("pageerror", lambda error: self.errors.append(f"{page.url}: {error}"))
        page.on(
            "console",
            lambda message: (
                self.errors.append(f"{page.url}: {message.text}")
                if message.type == "error" and "Content Security Policy" in message.text
                else None
            ),
        )
        return page

    def sign_in(self, page: Page, username: str, password: str) -> None:
        self.sign_in_as(page, username, password)

    def sign_in_as(
        self,
        page: Page,
        username: str,
        secret: str,
        *,
        button: str = "Sign in",
        user: str = "User name",
        password: str = "Password",
    ) -> None:
        """Through the sign-in form (its words in the page's language)."""
        page.goto(self.base + "/")
        page.wait_for_url("**/login**")
        page.get_by_label(user).fill(username)
        page.get_by_label(password).fill(secret)
        page.get_by_role("button", name=button).click()
        page.wait_for_url(lambda url: "/login" not in url)

    def screenshot(self, page: Page, name: str) -> Path:
        """``<name>.png`` in the test's directory and test-artifacts/ (and docs/, if asked)."""
        path = self.artifacts / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        targets = [ARTIFACTS]
        if os.environ.get("HELIN_UPDATE_SCREENSHOTS") == "1":
            targets.append(SCREENSHOTS)
        for target in targets:
            target.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target / path.name)
        return path

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def pages(browser: Browser, tmp_path: Path) -> Iterator[Pages]:
    made = Pages(browser, "", tmp_path / "screenshots")
    made.artifacts.mkdir()
    yield made
    made.close()
    assert not made.errors, f"errors in the pages' scripts: {made.errors}"


@contextlib.contextmanager
def api_client(base: str, username: str, password: str) -> Iterator[httpx.Client]:
    """A signed-in API client (session cookie and CSRF header)."""
    with httpx.Client(base_url=base, timeout=10) as client:
        response = client.post(
            "/api/v1/auth/login", json={"username": username, "password": password}
        )
        assert response.status_code == 200, response.text
        client.headers["X-CSRF-Token"] = response.json()["csrf_token"]
        yield client
