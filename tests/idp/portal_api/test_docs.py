"""`/api/docs` from the package's own assets: nothing the service's CSP would block."""

from __future__ import annotations

from html.parser import HTMLParser

STATIC_ASSETS = {
    "/static/swagger-ui/swagger-ui-bundle.js": "javascript",
    "/static/swagger-ui/swagger-ui.css": "text/css",
    "/static/api-docs.js": "javascript",
}


class References(HTMLParser):
    """Every script and stylesheet a page loads, and the text of inline scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.styles: list[str] = []
        self.inline_scripts: list[str] = []
        self.inline_styles = 0
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if "style" in values:
            self.inline_styles += 1
        if tag == "script":
            self._in_script = True
            if values.get("src"):
                self.scripts.append(values["src"])
        if tag == "style":
            self.inline_styles += 1
        if tag == "link" and values.get("rel") == "stylesheet":
            self.styles.append(values["href"])

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.inline_scripts.append(data)


def test_api_docs_loads_only_same_origin_scripts_and_styles(portal):
    response = portal.get("/api/docs")
    assert response.status_code == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page = References()
    page.feed(response.text)
    assert set(page.scripts) == {
        "/static/swagger-ui/swagger-ui-bundle.js",
        "/static/api-docs.js",
    }
    assert "/static/swagger-ui/swagger-ui.css" in page.styles
    for reference in page.scripts + page.styles:
        assert reference.startswith("/"), reference
        assert not reference.startswith("//"), reference  # a scheme-relative URL is elsewhere
    assert page.inline_scripts == []
    assert page.inline_styles == 0
    assert 'data-openapi-url="/api/openapi.json"' in response.text


def test_api_docs_assets_are_served_with_their_types(portal):
    for path, media_type in STATIC_ASSETS.items():
        response = portal.get(path)
        assert response.status_code == 200, path
        assert media_type in response.headers["content-type"], path


def test_swagger_ui_licence_ships_with_it(portal):
    assert "Apache License" in portal.get("/static/swagger-ui/LICENSE").text
