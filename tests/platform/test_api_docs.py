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


@pytest.mark.django_db
def test_the_upload_file_is_a_binary_file_and_the_time_zone_has_one_name(client) -> None:
    schema = yaml.safe_load(client.get("/api/schema/").content)

    upload = schema["paths"]["/api/v1/recordings/"]["post"]["requestBody"]["content"]
    assert list(upload) == ["multipart/form-data"]  # a form with a file, as Swagger's "Try it out" sends
    upload_fields = _component(schema, upload["multipart/form-data"]["schema"])["properties"]
    assert upload_fields["file"] == {**upload_fields["file"], "type": "string", "format": "binary"}
    recommend = schema["paths"]["/api/v1/recommendations/"]["post"]["requestBody"]["content"]
    for body in recommend.values():
        fields = _component(schema, body["schema"])["properties"]
        assert "time_zone" in fields and "timezone" not in fields
        assert fields["time_zone"]["maxLength"] == upload_fields["time_zone"]["maxLength"]


def _component(schema: dict, reference: dict) -> dict:
    return schema["components"]["schemas"][reference["$ref"].rsplit("/", 1)[-1]]


@pytest.mark.browser
@pytest.mark.django_db
def test_the_docs_page_renders_the_api_in_a_browser(live_server, browser) -> None:
    browser.get(f"{live_server.url}/api/docs/")

    title = browser.wait_for_css(".swagger-ui .info .title")
    assert "SoundScapify API" in title.text
    assert browser.find_elements("css selector", ".opblock")  # the operations are listed
    assert browser.console_errors() == []
    browser.save_screenshot_artifact("api-docs.png")


@pytest.mark.browser
@pytest.mark.django_db
def test_trying_the_upload_in_the_docs_offers_a_file_picker(live_server, browser) -> None:
    browser.get(f"{live_server.url}/api/docs/")
    upload = browser.wait_for_css("#operations-recordings-v1_recordings_create")

    upload.find_element("css selector", ".opblock-summary").click()
    browser.wait_for_css("#operations-recordings-v1_recordings_create .try-out__btn").click()

    body = browser.wait_for_css("#operations-recordings-v1_recordings_create .opblock-body")
    file_inputs = body.find_elements("css selector", "input[type=file]")
    assert len(file_inputs) == 1  # the `file` field, not a text box
