"""The OpenAPI schema and its interactive docs, served from our own static files."""
from __future__ import annotations

import pytest
import yaml


@pytest.mark.django_db
def test_the_schema_is_openapi_3_and_lists_the_v1_api(client) -> None:
    response = client.get("/api/schema/")

    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    assert any(path.startswith("/api/v1/") for path in schema["paths"])


@pytest.mark.django_db
def test_the_docs_page_uses_no_cdn(client) -> None:
    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "cdn.jsdelivr.net" not in html and "unpkg.com" not in html
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "<script>" not in html  # the strict CSP forbids inline scripts


@pytest.mark.browser
@pytest.mark.django_db
def test_the_docs_page_renders_the_api_in_a_browser(live_server, browser) -> None:
    browser.get(f"{live_server.url}/api/docs/")

    title = browser.wait_for_css(".swagger-ui .info .title")
    assert "SoundScapify API" in title.text
    assert browser.find_elements("css selector", ".opblock")  # the operations are listed
    assert browser.console_errors() == []
    browser.save_screenshot_artifact("api-docs.png")
