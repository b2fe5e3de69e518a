"""The web app's pages over real HTTP against a whole helin (no browser): who goes where,
the security headers, escaping, the language switch, and catalogues that cover every word."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest

from helin.web import i18n, views
from tests.calls.company import agent, company
from tests.calls.node import Node
from tests.web.conftest import BOB, CONFIG, GROUPS, MART, api_client

MakeNode = Callable[[str], Node]
WEB = Path(__file__).resolve().parents[2] / "src" / "helin" / "web"
NASTY = '<script>alert("x")</script> & "Co"'


class Scripts(HTMLParser):
    """Every <script> element's attributes and text."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[dict[str, str | None], str]] = []
        self._open: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self._open = dict(attrs)
            self.found.append((self._open, ""))

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            attrs, text = self.found[-1]
            self.found[-1] = (attrs, text + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._open = None


def anonymous(node: Node) -> httpx.Client:
    return httpx.Client(base_url=node.http, timeout=10, follow_redirects=False)


def test_pages_send_people_where_they_belong(make_node: MakeNode) -> None:
    node = make_node(CONFIG)
    with anonymous(node) as client:
        assert client.get("/").headers["location"] == "/login"
        assert client.get("/agent").headers["location"] == "/login?next=/agent"
        assert client.get("/manager/part").status_code == 401
        assert client.get("/login").status_code == 200
    for username, home in (("ann", "/agent"), ("mart", "/manager")):
        with api_client(node.http, username, f"{username}-web-pass") as client:
            assert client.get("/", follow_redirects=False).headers["location"] == home
            assert client.get("/login", follow_redirects=False).headers["location"] == home
    with api_client(node.http, "ann", "ann-web-pass") as agent_client:
        assert agent_client.get("/manager", follow_redirects=False).headers["location"] == "/agent"
        assert agent_client.get("/manager/part").status_code == 403
        for page in ("/admin", "/admin/users/1", "/operator", "/manager/clips"):
            assert agent_client.get(page, follow_redirects=False).headers["location"] == "/agent"
        support = node.group_id("Support")
        settings = f"/manager/groups/{support}/settings"
        assert agent_client.get(settings, follow_redirects=False).headers["location"] == "/agent"
        assert agent_client.get(settings + "/members").status_code == 404
    with api_client(node.http, "mart", "mart-web-pass") as manager:
        for page in ("/admin", "/operator"):
            assert manager.get(page, follow_redirects=False).headers["location"] == "/manager"
        assert manager.get("/manager/clips").status_code == 200
        assert manager.get("/manager/groups/999999").status_code == 404
        support = node.group_id("Support")
        assert manager.get(f"/manager/groups/{support}").status_code == 200
        assert manager.get(f"/manager/groups/{support}/settings").status_code == 200
        assert manager.get("/manager/groups/999999/settings").status_code == 404


def test_pages_carry_a_strict_csp_no_inline_script_and_the_csrf_token(make_node: MakeNode) -> None:
    node = make_node(CONFIG)
    with api_client(node.http, "mart", "mart-web-pass") as client:
        csrf = client.headers["X-CSRF-Token"]
        support = node.group_id("Support")
        for path in (
            "/manager",
            f"/manager/groups/{support}",
            f"/manager/groups/{support}/settings",
            "/login",
        ):
            response = client.get(path, follow_redirects=path != "/login")
            if path == "/login":
                continue  # signed in: sent home
            policy = response.headers["content-security-policy"]
            assert "script-src 'self'" in policy and "unsafe-inline" not in policy
            assert "default-src 'none'" in policy
            assert response.headers["x-frame-options"] == "DENY"
            parser = Scripts()
            parser.feed(response.text)
            for attrs, text in parser.found:
                assert attrs.get("src") or attrs.get("type") == "application/json", attrs
                if not attrs.get("src"):
                    json.loads(text)  # a data block, not code
            assert f'<meta name="csrf-token" content="{csrf}">' in response.text
    with anonymous(node) as client:
        assert "content-security-policy" in client.get("/login").headers


def test_everything_shown_is_escaped(make_node: MakeNode) -> None:
    users = agent("ann", "+3725000001", display_name=NASTY) + BOB + MART
    groups = GROUPS.replace("name: Support", f"name: {json.dumps(NASTY)}")
    node = make_node(company(users, groups))
    with api_client(node.http, "mart", "mart-web-pass") as manager:
        group = node.group_id(NASTY)
        pages = ("/manager", "/manager/part", f"/manager/groups/{group}")
        pages += (f"/manager/groups/{group}/settings", f"/manager/groups/{group}/settings/members")
        for path in pages:
            text = manager.get(path).text
            assert "<script>alert" not in text, path
            assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#34;Co&#34;" in text
    with api_client(node.http, "ann", "ann-web-pass") as ann:
        text = ann.get("/agent").text
        assert "<script>alert" not in text and "&lt;script&gt;" in text


def test_the_language_switch_is_a_cookie_and_redirects_only_on_site(make_node: MakeNode) -> None:
    node = make_node(CONFIG)
    with anonymous(node) as client:
        assert "Sisselogimine" not in client.get("/login").text
        switched = client.get("/lang/et", params={"next": "/login"})
        assert switched.status_code == 303 and switched.headers["location"] == "/login"
        assert client.cookies[i18n.COOKIE] == "et"
        assert "Sisselogimine" in client.get("/login").text
        assert '<html lang="et">' in client.get("/login").text
        for evil in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
            assert client.get("/lang/en", params={"next": evil}).headers["location"] == "/"
        assert client.get("/lang/xx").status_code == 303
        assert client.cookies[i18n.COOKIE] == "en"
    with anonymous(node) as client:
        client.headers["Accept-Language"] = "et-EE,et;q=0.9,en;q=0.8"
        assert "Sisselogimine" in client.get("/login").text


def test_static_files_are_served_from_a_fixed_list(make_node: MakeNode) -> None:
    node = make_node(CONFIG)
    with anonymous(node) as client:
        script = client.get("/static/common.js")
        assert script.status_code == 200 and script.headers["content-type"].startswith(
            "text/javascript"
        )
        assert client.get("/static/style.css").headers["content-type"].startswith("text/css")
        for path in ("/static/..%2Froutes.py", "/static/routes.py", "/static/i18n"):
            assert client.get(path).status_code == 404


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_every_catalogue_has_every_word_the_pages_and_scripts_use(language: str) -> None:
    words = set(i18n.catalogue(language))
    assert words == set(i18n.catalogue(i18n.DEFAULT))
    assert all(i18n.catalogue(language).values())
    used: set[str] = set()
    for path in (WEB / "templates").glob("*.html"):
        used |= set(re.findall(r"""\bt\(["']([a-z_.]+)["']\)""", path.read_text()))
    for path in (WEB / "static").glob("*.js"):
        used |= set(re.findall(r"""\bt\(["']([a-z_.]+)["']\)""", path.read_text()))
    assert used and used <= words, sorted(used - words)
    prefixes = (
        "state.",
        "device.",
        "outcome.",
        "direction.",
        "policy.",
        "day.",
        "clipkind.",
        "right.",
        "kind.",
    )
    for prefix in prefixes:  # built as prefix + value: every value has a word
        assert any(word.startswith(prefix) for word in words), prefix


def test_waits_read_as_minutes_and_seconds() -> None:
    assert [views.wait_text(s) for s in (0, -1, 59.9, 75, 3725)] == [
        "0:00",
        "0:00",
        "0:59",
        "1:15",
        "1:02:05",
    ]
