"""What the browser tests share: logging in through the page, and screenshots to look at."""

import os
import re
from pathlib import Path

from tests.factories import DEFAULT_PASSWORD

WIDTHS = (1280, 390)


def log_in(page, user) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name=re.compile("log in", re.I)).click()


def screenshots(page, area: str, name: str) -> None:
    """Full-page screenshots of the current page at each width (and, for a long page, its parts),
    when E2E_SCREENSHOTS names a folder: ``<area>-<name>-<width>.png``."""
    folder = os.environ.get("E2E_SCREENSHOTS")
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(Path(folder) / f"{area}-{name}-{width}.png"), full_page=True)
        height = page.evaluate("document.documentElement.scrollHeight")
        for part, top in enumerate(range(0, height, 1000) if height > 1400 else ()):
            clip = {"x": 0, "y": top, "width": width, "height": min(1000, height - top)}
            page.screenshot(
                path=str(Path(folder) / f"{area}-{name}-{width}-part{part + 1}.png"), full_page=True, clip=clip
            )
    page.set_viewport_size(size)
