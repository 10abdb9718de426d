"""Browser tests: the Python ``playwright`` package driving Debian's chromium (``.ci/run``
installs it with apt when missing; never ``playwright install``). One browser per test module;
each page gets a fresh context in which nothing but the server under test is reachable
(artwork requests get a small local SVG, everything else off-host is aborted)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, Route, async_playwright

CHROMIUM = os.environ.get("FANBRIDGE_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ARTWORK_HOST = "https://i.scdn.co/"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="72" height="72">'
    '<rect width="72" height="72" fill="#3b4a8c"/><circle cx="36" cy="36" r="20" fill="#e6e9f5"/>'
    '<circle cx="36" cy="36" r="5" fill="#3b4a8c"/></svg>'
)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run does it)")
    async with async_playwright() as pw:
        launched = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        await launched.close()


async def open_page(browser: Browser, base_url: str, *, phone: bool = False) -> Page:
    """A page in a fresh context (desktop or phone) that reaches only ``base_url``."""
    options: dict[str, object] = {"viewport": PHONE if phone else DESKTOP, "base_url": base_url}
    if phone:
        options |= {"is_mobile": True, "has_touch": True, "device_scale_factor": 2}
    context = await browser.new_context(**options)  # type: ignore[arg-type]
    context.set_default_timeout(5000)

    async def offline(route: Route) -> None:
        url = route.request.url
        if url.startswith(base_url):
            await route.continue_()
        elif url.startswith(ARTWORK_HOST):
            await route.fulfill(body=SVG, content_type="image/svg+xml")
        else:
            await route.abort("internetdisconnected")

    await context.route("**/*", offline)
    return await context.new_page()


async def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
