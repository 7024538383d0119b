"""Every error answer of the API has one shape, {code, detail, errors?}, also before a view runs."""
from __future__ import annotations

from typing import Any

import pytest
import yaml
from django.test import Client
from rest_framework import serializers
from rest_framework.test import APIClient

from soundscapify.api_errors import (
    INVALID_INPUT_MESSAGE,
    NOT_FOUND_MESSAGE,
    ApiError,
    api_exception_handler,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_invalid_input_names_each_field_with_its_messages(api: APIClient) -> None:
    response = api.post("/api/v1/recordings/", {}, format="multipart")

    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid", "detail": INVALID_INPUT_MESSAGE, "errors": {"file": ["No file was submitted."]},
    }


def test_malformed_json_is_a_parse_error(api: APIClient) -> None:
    response = api.post("/api/v1/recommendations/", "{", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_a_missing_token_is_401_with_a_code_and_how_to_authenticate() -> None:
    response = Client().get("/api/v1/me/")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_staff_only_operation_refuses_others_with_403(api: APIClient) -> None:
    response = api.get("/api/v1/catalog/tracks/")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_an_object_that_is_not_yours_is_a_json_404(api: APIClient) -> None:
    response = api.get("/api/v1/recordings/3f6c1f2e-8d1b-4a53-9a0e-5b7c2d9e4f10/")

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": NOT_FOUND_MESSAGE}


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/recommendations/null%2Cnull/playlist/",  # an id that does not fit the URL pattern
        "/api/v1/recordings/not-a-uuid/",
        "/api/v1/no-such-thing/",
        "/api/nothing",
    ],
)
def test_a_path_under_api_that_resolves_to_nothing_is_a_json_404(api: APIClient, path: str) -> None:
    response = api.get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"code": "not_found", "detail": NOT_FOUND_MESSAGE}


def test_a_page_that_resolves_to_nothing_is_still_an_html_404(client: Client) -> None:
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_nested_and_list_errors_are_named_by_their_path() -> None:
    error = serializers.ValidationError({"a": {"b": ["m"]}, "c": ["n"], "d": [{}, {"e": ["o"]}]})

    response = api_exception_handler(error, {})

    assert response is not None
    assert response.data["errors"] == {"a.b": ["m"], "c": ["n"], "d.1.e": ["o"]}


def test_a_general_validation_message_becomes_the_detail() -> None:
    response = api_exception_handler(serializers.ValidationError("Pick one."), {})

    assert response is not None
    assert response.data == {"code": "invalid", "detail": "Pick one.", "errors": {"non_field_errors": ["Pick one."]}}


def test_our_own_refusal_keeps_its_status_code_and_retry_after() -> None:
    response = api_exception_handler(ApiError(status=429, code="rate_limited", detail="Later.", retry_after_s=60), {})

    assert response is not None
    assert (response.status_code, response["Retry-After"]) == (429, "60")
    assert response.data == {"code": "rate_limited", "detail": "Later."}


def _schema() -> dict[str, Any]:
    return yaml.safe_load(Client().get("/api/schema/").content)


def test_every_error_status_of_every_operation_has_the_error_body() -> None:
    error = {"$ref": "#/components/schemas/Error"}
    for path, operations in _schema()["paths"].items():
        for method, operation in operations.items():
            errors = {code: r for code, r in operation["responses"].items() if code.startswith("4")}
            assert {"401", "429"} <= set(errors) or path == "/api/v1/auth/token/", (method, path)
            for response in errors.values():
                assert list(response["content"]) == ["application/json"], (method, path)
                assert response["content"]["application/json"]["schema"] == error, (method, path)


def test_the_schema_declares_what_each_operation_can_refuse() -> None:
    paths = _schema()["paths"]

    assert set(paths["/api/v1/recordings/"]["post"]["responses"]) == {
        "201", "400", "401", "403", "411", "413", "415", "429",
    }
    assert set(paths["/api/v1/recordings/{recording_id}/"]["get"]["responses"]) == {"200", "401", "404", "429"}
    assert set(paths["/api/v1/catalog/tracks/"]["get"]["responses"]) == {"200", "401", "403", "429"}
    assert set(paths["/api/v1/auth/token/"]["post"]["responses"]) == {"201", "400", "415", "429"}


def test_a_recommendation_not_saved_to_spotify_has_a_nullable_playlist() -> None:
    summary = _schema()["components"]["schemas"]["RecommendationSummary"]

    assert summary["properties"]["playlist"]["nullable"] is True


def test_a_staff_user_may_search_the_catalog() -> None:
    api = APIClient()
    api.force_authenticate(UserFactory.create(is_staff=True))

    assert api.get("/api/v1/catalog/tracks/").status_code == 200
