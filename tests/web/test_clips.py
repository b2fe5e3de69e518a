"""The company's clips page in a real Chromium against a whole helin: a manager uploads a WAV
and plays it back, a file helin cannot use is refused with the API's reason, a clip a group
plays cannot be deleted (the groups are named), and the settings page offers the upload."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import soundfile

if TYPE_CHECKING:
    from playwright.sync_api import Page
try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips, or fails in CI, saying what is missing
    expect = None

from tests.calls.node import Node
from tests.web.conftest import CONFIG, Pages, api_client

MakeNode = Callable[[str], Node]


def _wav(path: Path, seconds: float = 1.5) -> Path:
    """A tone at 16 kHz, 16-bit PCM."""
    rate = 16_000
    t = np.arange(int(rate * seconds)) / rate
    soundfile.write(path, 0.3 * np.sin(2 * np.pi * 440 * t), rate, subtype="PCM_16")
    return path


def _duration(page: Page, name: str) -> float:
    audio = page.locator(f'.clip[data-name="{name}"] audio')
    value = audio.evaluate(
        """element => new Promise(resolve => {
            if (element.readyState >= 1) return resolve(element.duration);
            element.addEventListener("loadedmetadata", () => resolve(element.duration));
            element.addEventListener("error", () => resolve(-1));
            element.load();
        })"""
    )
    return float(value)


def test_a_manager_uploads_plays_and_deletes_a_clip(
    make_node: MakeNode, pages: Pages, tmp_path: Path
) -> None:
    node = make_node(CONFIG)
    pages.base = node.http
    page = pages.open()
    pages.sign_in(page, "mart", "mart-web-pass")
    page.get_by_role("link", name="Clips").click()
    expect(page).to_have_url(re.compile(r"/manager/clips$"))
    expect(page.locator("#clips")).to_contain_text("No clips yet")

    form = page.locator("#upload-form")
    bad = tmp_path / "notes.wav"
    bad.write_text("this is not audio at all")
    form.get_by_label("Audio file").set_input_files(str(bad))
    form.get_by_label("Name").fill("welcome")
    form.get_by_role("button", name="Upload").click()
    expect(form.locator(".form-error")).to_contain_text("not a WAV or MP3")
    expect(form.get_by_label("Name")).to_have_value("welcome")  # nothing typed is lost
    pages.screenshot(page, "manager-clips-refused")

    form.get_by_label("Audio file").set_input_files(str(_wav(tmp_path / "Welcome <1>.wav")))
    form.get_by_label("Used as").select_option("greeting")
    form.get_by_role("button", name="Upload").click()
    clip = page.locator('.clip[data-name="welcome"]')
    expect(clip).to_contain_text("Greeting")
    expect(clip).to_contain_text("Welcome <1>.wav")  # escaped
    expect(clip.locator("audio")).to_have_attribute("src", re.compile(r"/api/v1/clips/\d+/audio"))
    assert abs(_duration(page, "welcome") - 1.5) < 0.1
    src = clip.locator("audio").get_attribute("src")
    answer = page.request.get(node.http + str(src))
    assert answer.status == 200 and answer.headers["content-type"] == "audio/wav"
    pages.screenshot(page, "manager-clips")

    form.get_by_label("Audio file").set_input_files(str(_wav(tmp_path / "again.wav")))
    form.get_by_label("Name").fill("welcome")
    form.get_by_role("button", name="Upload").click()
    expect(form.locator(".form-error")).to_contain_text("another clip is called")

    clip.get_by_label("Replace the audio: welcome").set_input_files(
        str(_wav(tmp_path / "longer.wav", 3.0))
    )
    expect(clip).to_contain_text("longer.wav")
    assert abs(_duration(page, "welcome") - 3.0) < 0.1

    sales = node.group_id("Sales")
    page.goto(f"{node.http}/manager/groups/{sales}/settings")
    options = page.locator("#clip-names option")
    expect(options.first).to_have_attribute("value", "welcome")  # the upload is offered first
    settings = page.locator("#queue-form")
    settings.get_by_label("Greeting", exact=True).fill("welcome")
    settings.get_by_role("button", name="Save settings").click()
    expect(settings.locator(".saved")).to_be_visible()

    page.goto(f"{node.http}/manager/clips")
    clip.get_by_role("button", name="Delete: welcome").click()
    expect(clip.locator(".field-error")).to_contain_text("Sales")
    with api_client(node.http, "mart", "mart-web-pass") as mart:
        assert mart.patch(f"/api/v1/groups/{sales}", json={"queue": {"greeting_clip": None}})
    clip.get_by_role("button", name="Delete: welcome").click()
    expect(clip).to_have_count(0)
    with api_client(node.http, "mart", "mart-web-pass") as mart:
        assert mart.get("/api/v1/clips").json() == []


def test_the_clips_page_fits_a_phone(make_node: MakeNode, pages: Pages, tmp_path: Path) -> None:
    node = make_node(CONFIG)
    pages.base = node.http
    with api_client(node.http, "mart", "mart-web-pass") as mart:
        data = _wav(tmp_path / "hold.wav", 2.0).read_bytes()
        made = mart.post("/api/v1/clips?name=hold-music&kind=music", content=data)
        assert made.status_code == 201, made.text
    page = pages.open(phone=True, language="et")
    pages.sign_in_as(
        page, "mart", "mart-web-pass", button="Logi sisse", user="Kasutajanimi", password="Parool"
    )
    page.goto(f"{node.http}/manager/clips")
    expect(page.locator(".clip")).to_contain_text("Ootemuusika")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    pages.screenshot(page, "manager-clips-phone-et")
