"""The favicon and the web app manifest: served with their content types to anyone, linked from
every page; the manifest opens the registration form and names icons that exist at the sizes it
states; the committed icons are what scripts/make_icons.py draws."""
from __future__ import annotations

import importlib.util
import io
import json
from pathlib import Path
from urllib.parse import urljoin, urlsplit
from xml.etree import ElementTree

import pytest
from PIL import Image, ImageChops, ImageStat

from accounts.models import Role
from accounts.service import Scope
from tests.factories import login, make_market, make_quick_user

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = "/static/manifest.webmanifest"


def _make_icons():
    spec = importlib.util.spec_from_file_location("make_icons", ROOT / "scripts" / "make_icons.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_favicon_answers_at_the_root_to_anyone(client):
    answer = client.get("/favicon.ico")
    assert answer.status_code == 200
    assert answer.mimetype == "image/vnd.microsoft.icon"
    icon = Image.open(io.BytesIO(answer.data))
    assert icon.format == "ICO"
    assert icon.info["sizes"] == {(16, 16), (32, 32), (48, 48)}
    svg = client.get("/static/favicon.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert ElementTree.fromstring(svg.data).tag == "{http://www.w3.org/2000/svg}svg"


def test_every_page_links_the_icons_and_the_manifest_and_each_answers(client):
    page = client.get("/login").get_data(as_text=True)
    for link in ('<link rel="icon" href="/favicon.ico"',
                 '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">',
                 '<link rel="apple-touch-icon" href="/static/icons/apple-touch-icon.png">',
                 f'<link rel="manifest" href="{MANIFEST}">'):
        assert link in page
        href = link.split('href="')[1].split('"')[0]
        assert client.get(href).status_code == 200, href


def test_the_manifest_opens_the_registration_form_standalone(client, session):
    answer = client.get(MANIFEST)
    assert answer.status_code == 200
    assert answer.mimetype == "application/manifest+json"
    manifest = json.loads(answer.data)
    assert manifest["name"] == "Chợ 4.0" and 0 < len(manifest["short_name"]) <= 12
    assert manifest["display"] == "standalone"
    base = f"http://localhost{MANIFEST}"
    start = urlsplit(urljoin(base, manifest["start_url"])).path
    assert start == "/vendors/new"
    assert start.startswith(urlsplit(urljoin(base, manifest["scope"])).path)

    agent = make_quick_user(session, Role.ONBOARDING_AGENT,
                            Scope(market_id=make_market(session).id))
    session.commit()
    login(client, agent.username)
    assert "Đăng ký tiểu thương" in client.get(start).get_data(as_text=True)


def test_the_manifests_icons_exist_at_the_sizes_it_states(client):
    manifest = json.loads(client.get(MANIFEST).data)
    stated = set()
    for icon in manifest["icons"]:
        path = urlsplit(urljoin(f"http://localhost{MANIFEST}", icon["src"])).path
        answer = client.get(path)
        assert answer.status_code == 200 and answer.mimetype == icon["type"] == "image/png"
        image = Image.open(io.BytesIO(answer.data))
        image.verify()
        width, height = Image.open(io.BytesIO(answer.data)).size
        assert icon["sizes"] == f"{width}x{height}"
        stated.add(icon["sizes"])
    assert {"192x192", "512x512"} <= stated
    assert {icon.get("purpose", "any") for icon in manifest["icons"]} == {"any", "maskable"}


@pytest.mark.parametrize("name", ["icons/icon-192.png", "icons/icon-512.png",
                                  "icons/apple-touch-icon.png", "favicon.ico"])
def test_the_committed_icons_are_what_the_script_draws(name):
    make_icons = _make_icons()
    committed = Image.open(ROOT / "static" / name).convert("RGBA")
    drawn = Image.open(io.BytesIO(make_icons.FILES[name]())).convert("RGBA")
    assert committed.size == drawn.size
    difference = ImageStat.Stat(ImageChops.difference(committed, drawn)).mean
    assert max(difference) < 2, difference


def test_the_drawing_keeps_to_the_safe_zone_of_a_maskable_icon():
    # A phone may crop a maskable icon to the circle of radius 40 % about its centre.
    make_icons = _make_icons()
    icon = make_icons.draw(100, favicon=False).convert("RGB")
    green = icon.getpixel((0, 0))
    outside = [(x, y) for x in range(100) for y in range(100)
               if (x + 0.5 - 50) ** 2 + (y + 0.5 - 50) ** 2 > 41 ** 2]
    # Scaling down smooths edges by a shade or two beyond the drawing: no more.
    assert all(max(abs(a - b) for a, b in zip(icon.getpixel(point), green)) <= 3
               for point in outside)
    assert icon.getpixel((50, 50)) != green
    assert make_icons.svg() == (ROOT / "static" / "favicon.svg").read_text(encoding="utf-8")


def test_the_svg_favicon_looks_like_the_drawn_one_in_a_browser(browser, tmp_path):
    # The SVG is written by hand from the same shapes: a path drawn the wrong way round would
    # punch a hole where Pillow paints.
    make_icons = _make_icons()
    page = browser.new_page(viewport={"width": 96, "height": 96})
    try:
        page.goto((ROOT / "static" / "favicon.svg").as_uri())
        page.screenshot(path=tmp_path / "svg.png")
    finally:
        page.close()
    in_browser = Image.open(tmp_path / "svg.png").convert("RGB")
    drawn = Image.new("RGB", (96, 96), "white")
    icon = make_icons.draw(96, favicon=True)
    drawn.paste(icon, mask=icon)
    difference = ImageStat.Stat(ImageChops.difference(in_browser, drawn)).mean
    assert max(difference) < 4, difference
