"""Access control: nobody reaches another user's objects, anonymous users reach no data, CSRF holds.

The routes come from walking the URL resolver, so a new route that takes an id fails
`test_every_id_taking_route_is_in_the_matrix` until it is added to OBJECT_ROUTES (or,
with a reason, to NOT_OWNED_OBJECT_ROUTES).
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import User
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from accounts.models import ApiToken
from accounts.services import api_token_create
from recommendations.models import (
    Feedback,
    PlaylistExport,
    Recommendation,
    RecommendationItem,
    SceneCorrection,
)
from scenes.models import ListeningSession, LiveSnippet, PersonalExample, Recording, SceneResult
from tests.factories import PASSWORD, UserFactory
from tests.recommendations.factories import (
    RecommendationFactory,
    RecommendationItemFactory,
    RecordingFactory,
    SceneCriteriaFactory,
)

ALL_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
CONVERTER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")
# Third-party route trees with their own access rules: the admin (staff only, see
# test_anonymous_users_are_sent_to_the_admin_login) and social-auth's sign-in flow.
SKIPPED_NAMESPACES = ("admin", "social")


@dataclass(frozen=True)
class Route:
    name: str
    route: str

    @property
    def parameters(self) -> list[str]:
        return [match.group("name") for match in CONVERTER.finditer(self.route)]

    @property
    def is_api(self) -> bool:
        return self.route.startswith("api/")

    def path(self, **values: object) -> str:
        return "/" + CONVERTER.sub(lambda match: str(values[match.group("name")]), self.route)


def walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            if entry.namespace in SKIPPED_NAMESPACES:
                continue
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            yield Route(name=f"{namespace}{entry.name}", route=prefix + str(entry.pattern))


def product_routes() -> dict[str, Route]:
    return {route.name: route for route in walk(get_resolver().url_patterns)}


# name -> (the object kind its id names, the methods the route serves)
OBJECT_ROUTES: dict[str, tuple[str, tuple[str, ...]]] = {
    "scenes:detail": ("recording", ("GET",)),
    "scenes:audio": ("recording", ("GET",)),
    "scenes:delete": ("recording", ("GET", "POST")),
    "scenes:personal_example_delete": ("personal_example", ("POST",)),
    "recommendations:detail": ("recommendation", ALL_METHODS),
    "recommendations:feedback": ("recommendation", ("POST",)),
    "recommendations:playlist": ("recommendation", ("POST",)),
    "recommendations:correct_scene": ("recommendation", ("POST",)),
    "recommendations:for_recording": ("recording", ALL_METHODS),
    "accounts:token_revoke": ("token", ("POST",)),
    "api-auth-token-revoke": ("token", ("DELETE",)),
    "api-recording-detail": ("recording", ("GET", "DELETE")),
    "api-recording-reclassify": ("recording", ("POST",)),
    "api-recording-audio": ("recording", ("GET",)),
    "api-recommendation-detail": ("recommendation", ("GET",)),
    "api-recommendation-feedback": ("recommendation", ("POST",)),
    "api-recommendation-scene-correction": ("recommendation", ("POST",)),
    "api-recommendation-playlist": ("recommendation", ("GET", "POST")),
    "api-personal-example-detail": ("personal_example", ("DELETE",)),
    "api-listening-session-detail": ("session", ("GET",)),
    "api-listening-session-pause": ("session", ("POST",)),
    "api-listening-session-resume": ("session", ("POST",)),
    "api-listening-session-stop": ("session", ("POST",)),
    "api-listening-session-snippets": ("session", ("POST",)),
    "api-listening-session-songs": ("session", ("POST",)),
    "recommendations:live_songs": ("session", ("POST",)),
}
# Routes with parameters that name no object of a user's.
NOT_OWNED_OBJECT_ROUTES = {
    "accounts:password_reset_confirm": "the signed token is the credential; tested in tests/accounts",
    "api-scene-detail": "scenes are the shared catalogue, the same for every user",
}
# Routes anyone may use without signing in.
PUBLIC_ROUTES = {
    "home", "favicon", "healthz", "readyz", "api-schema", "api-docs", "api-auth-token",
    "accounts:signup", "accounts:login", "accounts:logout", "accounts:password_reset",
    "accounts:password_reset_done", "accounts:password_reset_confirm", "accounts:password_reset_complete",
}
# Page routes that change state on POST (logout is public, but still needs the token).
STATE_CHANGING_PAGES = [
    "scenes:upload", "scenes:delete", "recommendations:feedback", "recommendations:playlist",
    "recommendations:correct_scene", "recommendations:for_recording", "accounts:password",
    "accounts:spotify_disconnect", "accounts:delete", "accounts:token_create", "accounts:token_revoke",
    "accounts:logout",
]


@dataclass
class Owned:
    owner: User
    ids: dict[str, object]
    body: dict[str, str]


@pytest.fixture
def owned(db: None, media_root: Path) -> Owned:
    """User A with a classified recording, its recommendation (one item, feedback, a
    correction, an export), an API token, a personal example and a listening session: every
    kind of object a route names."""
    owner = UserFactory.create()
    SceneCriteriaFactory.create(name="rain")
    SceneCriteriaFactory.create(name="street_traffic")
    recording = RecordingFactory.create(user=owner)
    audio = media_root / str(recording.file.name)
    audio.parent.mkdir(parents=True, exist_ok=True)
    audio.write_bytes(b"RIFF" + bytes(996))
    recommendation = RecommendationFactory.create(user=owner, recording=recording)
    item = RecommendationItemFactory.create(recommendation=recommendation)
    Feedback.objects.create(user=owner, track=item.track, value=Feedback.Value.UP)
    token = api_token_create(user=owner, name="phone").token
    example = PersonalExample.objects.create(
        user=owner, scene="rain", embedding=bytes(2048), model_version="v1", recording=recording, source_name="a.wav"
    )
    session = ListeningSession.objects.create(user=owner, interval_s=30, consented_at=timezone.now())
    ids = {
        "recording": recording.pk, "recommendation": recommendation.pk, "token": token.pk,
        "personal_example": example.pk, "session": session.pk,
    }
    # A body the routes would act on if they forgot whose object it is.
    body = {"track": item.track.spotify_id, "value": "down", "scene": "street_traffic", "again": "1", "name": "x"}
    return Owned(owner=owner, ids=ids, body=body)


def snapshot(owner: User) -> dict[str, Any]:
    """Everything of the owner's that a request could change."""
    return {
        "user": model_to_dict(User.objects.get(pk=owner.pk)),
        "recordings": [model_to_dict(r) for r in Recording.objects.filter(user=owner).order_by("pk")],
        "results": SceneResult.objects.filter(recording__user=owner).count(),
        "recommendations": [model_to_dict(r) for r in Recommendation.objects.filter(user=owner).order_by("pk")],
        "items": RecommendationItem.objects.filter(recommendation__user=owner).count(),
        "feedback": list(Feedback.objects.filter(user=owner).values("track_id", "value")),
        "corrections": SceneCorrection.objects.filter(user=owner).count(),
        "exports": PlaylistExport.objects.filter(recommendation__user=owner).count(),
        "tokens": [model_to_dict(t, exclude=["last_used"]) for t in ApiToken.objects.filter(user=owner).order_by("pk")],
        "personal_examples": list(PersonalExample.objects.filter(user=owner).values("pk", "scene")),
        "sessions": [model_to_dict(s) for s in ListeningSession.objects.filter(user=owner)],
        "snippets": LiveSnippet.objects.filter(session__user=owner).count(),
    }


def path_of(route: Route, ids: dict[str, object]) -> str:
    kind = OBJECT_ROUTES[route.name][0] if route.name in OBJECT_ROUTES else ""
    values = {name: ids.get(kind, 1) for name in route.parameters}
    return route.path(**values) if route.parameters else route.path()


def send(client: Client, method: str, path: str, body: dict[str, str], api: bool, **headers: str) -> Any:
    if api:
        return client.generic(method, path, data=json.dumps(body), content_type="application/json", headers=headers)
    if method == "GET":
        return client.get(path, headers=headers)
    return client.generic(method, path, data=urlencode(body), content_type="application/x-www-form-urlencoded", headers=headers)


def test_every_id_taking_route_is_in_the_matrix() -> None:
    with_parameters = {name for name, route in product_routes().items() if route.parameters}
    assert with_parameters - set(OBJECT_ROUTES) - set(NOT_OWNED_OBJECT_ROUTES) == set()
    assert set(OBJECT_ROUTES) <= with_parameters, "the matrix names a route that no longer exists"


def test_every_route_is_classified_for_anonymous_users() -> None:
    assert PUBLIC_ROUTES <= set(product_routes()), "a public route was renamed or removed"
    assert set(STATE_CHANGING_PAGES) <= set(product_routes())


@pytest.mark.parametrize("name", sorted(OBJECT_ROUTES))
def test_another_user_gets_404_for_every_method_and_changes_nothing(name: str, owned: Owned) -> None:
    route = product_routes()[name]
    intruder = UserFactory.create()
    client = Client()
    client.force_login(intruder)
    key = api_token_create(user=intruder, name="intruder").key
    before = snapshot(owned.owner)
    for method in ALL_METHODS:
        response = send(client, method, path_of(route, owned.ids), owned.body, route.is_api, Authorization=f"Bearer {key}")
        served = method in OBJECT_ROUTES[name][1]
        expected = {404} if served else {404, 405}
        assert response.status_code in expected, f"{method} {route.path(**dict.fromkeys(route.parameters, 'id'))}"
    assert snapshot(owned.owner) == before


@pytest.mark.parametrize("name", sorted(n for n, (_, methods) in OBJECT_ROUTES.items() if "GET" in methods))
def test_the_owner_reaches_the_objects_the_matrix_uses(name: str, owned: Owned) -> None:
    """The control for the 404s above: the same paths work for their owner."""
    route = product_routes()[name]
    client = Client()
    client.force_login(owned.owner)
    response = client.get(path_of(route, owned.ids))
    # No playlist has been saved yet: the API says so with 404, which the page shows as a button.
    expected = {404} if name == "api-recommendation-playlist" else {200, 302}
    assert response.status_code in expected


def anonymous_routes() -> list[str]:
    return sorted(set(product_routes()) - PUBLIC_ROUTES)


@pytest.mark.parametrize("name", anonymous_routes())
def test_anonymous_users_get_no_data(name: str, owned: Owned) -> None:
    route = product_routes()[name]
    before = snapshot(owned.owner)
    for method in ALL_METHODS:
        response = send(Client(), method, path_of(route, owned.ids), owned.body, route.is_api)
        if route.is_api:
            assert response.status_code in (401, 403), f"{method} /{route.route}: {response.status_code}"
        else:
            assert response.status_code == 302, f"{method} /{route.route}: {response.status_code}"
            assert response["Location"].startswith("/account/login/?next=")
    assert snapshot(owned.owner) == before


def test_anonymous_users_are_sent_to_the_admin_login(owned: Owned) -> None:
    for path in ("/admin/", "/admin/scenes/recording/", f"/admin/scenes/recording/{owned.ids['recording']}/change/"):
        response = Client().get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize("name", STATE_CHANGING_PAGES)
def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(name: str, owned: Owned) -> None:
    route = product_routes()[name]
    client = Client(enforce_csrf_checks=True)
    assert client.login(username=owned.owner.username, password=PASSWORD)
    body = {**owned.body, "password": PASSWORD, "old_password": PASSWORD, "new_password1": "n3w-Passw0rd!x",
            "new_password2": "n3w-Passw0rd!x", "confirm": "on"}
    before = snapshot(owned.owner)
    response = client.post(path_of(route, owned.ids), data=body)
    assert response.status_code == 403
    assert snapshot(owned.owner) == before
    assert client.get("/account/").status_code == 200, "the session survived"
