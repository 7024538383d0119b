"""A fake Spotify for tests: the accounts service (OAuth) and the Web API, over real HTTP.

`FakeSpotify().start()` listens on 127.0.0.1 on a free port; the `fake_spotify` fixture
(tests/conftest.py) starts one per test and points the settings at it, so the real
social-auth backend and the real spotipy client talk to it unpatched.

What it speaks (2026 shapes, see ../shared/spotify-api.md):
- GET  /authorize      client_id, response_type=code, redirect_uri, state, scope,
                       code_challenge(+_method): redirects to redirect_uri?code=…&state=…
                       as Spotify does after the user consents (or error=access_denied).
- POST /api/token      grant_type=authorization_code (code, redirect_uri, code_verifier when
                       PKCE was used) or refresh_token; HTTP Basic client auth required.
                       A refresh answer omits refresh_token (keep the old one), like Spotify.
- GET  /v1/me, /v1/me/player/recently-played, /v1/me/top/tracks, /v1/search (limit ≤ 10),
  /v1/tracks/{id}, GET|POST /v1/me/playlists, GET /v1/playlists/{id}, GET|POST
  /v1/playlists/{id}/items (≤ 100 uris per POST; items carry `item`, not `track`).
  GET /v1/me/playlists pages the user's own playlists, newest first (limit ≤ 50); private
  ones only with playlist-read-private, collaborative ones only with
  playlist-read-collaborative. Descriptions come back HTML-escaped, as Spotify sends them.
  Removed endpoints (POST /v1/users/{id}/playlists, /v1/playlists/{id}/tracks,
  /v1/recommendations, /v1/audio-features) answer 404 or 403.

`GET /v1/audio-features?ids=` answers 403 as for any app created since 2024-11-27, unless
`audio_features_access = True`.

Knobs: `expire_all_tokens()`, `revoke_refresh_tokens()`, `fail_next(prefix, status, …)`,
`delay_next(prefix, seconds, …)` (both with `after_work=True`: the request takes effect and
only its answer fails or comes late, as when a gateway times out behind Spotify's back),
`deny_next_authorization()`, `add_user()`, `add_playlist()`, `mint_tokens()`. Every request is recorded in
`requests` (method, path, query, headers, body) for assertions.
"""

from __future__ import annotations

import base64
import hashlib
import html
import itertools
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

CLIENT_ID = "test-client-id"
CLIENT_SECRET = "test-client-secret"
DEFAULT_USER_ID = "fakeuser"
ALL_SCOPES = (
    "user-read-recently-played",
    "user-top-read",
    "playlist-modify-private",
    "playlist-modify-public",
    # Needed to find a private playlist again in GET /me/playlists (recommendations.services.playlists).
    "playlist-read-private",
)
CATALOG_SIZE = 250
SEARCH_LIMIT_MAX = 10
ADD_ITEMS_MAX = 100
TRACK_URI = re.compile(r"^spotify:(track|episode):[0-9A-Za-z]{1,40}$")
ARTISTS = ["Aurora Lane", "The Quiet Streets", "Rain Theory", "Fireside Club", "Parkbench", "Neon Tram"]


@dataclass
class RecordedRequest:
    """One request as the fake received it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    json: Any = None
    form: dict[str, str] = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        """Header value, case-insensitively."""
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None


@dataclass
class _Failure:
    path_prefix: str
    status: int
    headers: dict[str, str]
    body: Any
    times: int
    method: str | None
    after_work: bool = False


@dataclass
class _Delay:
    path_prefix: str
    seconds: float
    times: int
    method: str | None
    after_work: bool = False


@dataclass
class _AccessToken:
    user_id: str
    scopes: frozenset[str]
    expires_at: float


@dataclass
class _RefreshToken:
    user_id: str
    scopes: frozenset[str]
    revoked: bool = False


class _Reply(Exception):
    """Raised by route handlers to answer immediately."""

    def __init__(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
        self.status, self.body, self.headers = status, body, headers or {}


class FakeSpotify:
    """In-memory Spotify. State is public so tests can inspect it: `users`, `tracks`,
    `playlists` (id → dict with `items`: list of uris), `requests`."""

    def __init__(
        self, *, client_id: str = CLIENT_ID, client_secret: str = CLIENT_SECRET, token_lifetime: int = 3600
    ) -> None:
        self.client_id, self.client_secret, self.token_lifetime = client_id, client_secret, token_lifetime
        self.rotate_refresh_tokens = False
        self.consenting_user = DEFAULT_USER_ID  # who "logs in" at /authorize
        self.granted_scopes: tuple[str, ...] | None = None  # None: grant what was asked
        self.audio_features_access = False  # True: an app that kept the closed endpoint
        self.users: dict[str, dict[str, Any]] = {}
        self.tracks: dict[str, dict[str, Any]] = _catalog(CATALOG_SIZE)
        self.playlists: dict[str, dict[str, Any]] = {}
        self.requests: list[RecordedRequest] = []
        self._codes: dict[str, dict[str, Any]] = {}
        self._access: dict[str, _AccessToken] = {}
        self._refresh: dict[str, _RefreshToken] = {}
        self._failures: list[_Failure] = []
        self._delays: list[_Delay] = []
        self._stopping = threading.Event()  # ends pending delays when the fake stops
        self._deny_next = False
        self._ids = itertools.count(1)
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.add_user(DEFAULT_USER_ID, "Fake User")

    # --- lifecycle -------------------------------------------------------------------
    def start(self) -> FakeSpotify:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.fake = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-spotify", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start() the fake first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def api_base_url(self) -> str:
        return f"{self.base_url}/v1/"

    @property
    def authorize_url(self) -> str:
        return f"{self.base_url}/authorize"

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/api/token"

    # --- test set-up -------------------------------------------------------------------
    def add_user(self, user_id: str, display_name: str | None = None) -> dict[str, Any]:
        """A Spotify user, with top tracks and recently played tracks drawn from the catalog."""
        with self._lock:
            offset = sum(user_id.encode()) % 50
            ids = list(self.tracks)
            self.users[user_id] = {
                "id": user_id,
                "display_name": display_name if display_name is not None else user_id.title(),
                "top_tracks": ids[offset : offset + 50],
                "recently_played": ids[offset + 50 : offset + 80],
            }
            return self.users[user_id]

    def mint_tokens(self, user_id: str = DEFAULT_USER_ID, scopes: tuple[str, ...] = ALL_SCOPES) -> dict[str, Any]:
        """Issue tokens as after a consent, without the browser dance: the token response."""
        with self._lock:
            if user_id not in self.users:
                self.add_user(user_id)
            return self._issue(user_id, frozenset(scopes), with_refresh=True)

    def deny_next_authorization(self) -> None:
        """The next /authorize redirects back with error=access_denied (user clicked Cancel)."""
        self._deny_next = True

    def expire_all_tokens(self) -> None:
        """Every access token issued so far is refused with 401 from now on."""
        with self._lock:
            for token in self._access.values():
                token.expires_at = 0

    def revoke_refresh_tokens(self) -> None:
        """Refresh grants fail with 400 invalid_grant (the user removed the app's access)."""
        with self._lock:
            for token in self._refresh.values():
                token.revoked = True

    def fail_next(
        self,
        path_prefix: str,
        status: int,
        *,
        headers: dict[str, str] | None = None,
        body: Any = None,
        times: int = 1,
        method: str | None = None,
        after_work: bool = False,
    ) -> None:
        """The next `times` requests whose path starts with `path_prefix` (e.g. "/v1/me",
        "/api/token") answer `status`. A 429 carries `Retry-After: 30` unless headers say otherwise.
        With `after_work` the request first takes effect (a playlist is created, items added)."""
        if status == 429 and not any(k.lower() == "retry-after" for k in (headers or {})):
            headers = {**(headers or {}), "Retry-After": "30"}
        with self._lock:
            self._failures.append(_Failure(path_prefix, status, headers or {}, body, times, method, after_work))

    def delay_next(
        self, path_prefix: str, seconds: float, *, times: int = 1, method: str | None = None, after_work: bool = False
    ) -> None:
        """The next `times` requests whose path starts with `path_prefix` are recorded at once
        but answered only after `seconds` (a slow Spotify: past the client's timeout, the
        client gives up first). Without `after_work` the request takes effect after the wait;
        with it, at once, and only the answer is late. stop() cuts a pending delay short."""
        with self._lock:
            self._delays.append(_Delay(path_prefix, seconds, times, method, after_work))

    def add_playlist(
        self,
        owner: str = DEFAULT_USER_ID,
        *,
        name: str = "Made elsewhere",
        description: str | None = None,
        public: bool = False,
        collaborative: bool = False,
        uris: tuple[str, ...] = (),
    ) -> dict[str, Any]:
        """A playlist that exists before the test (made in the Spotify app, or by an earlier run)."""
        with self._lock:
            playlist_id = f"fakeplaylist{next(self._ids):010d}"
            self.playlists[playlist_id] = {
                "id": playlist_id,
                "owner": owner,
                "name": name,
                "public": public,
                "collaborative": collaborative,
                "description": description,
                "items": list(uris),
                "snapshots": 1,
            }
            return self.playlists[playlist_id]

    # --- assertions ---------------------------------------------------------------------
    def requests_to(self, path: str, method: str | None = None) -> list[RecordedRequest]:
        """Recorded requests to `path` (a trailing slash ignored, as Spotify does) and `method`."""
        with self._lock:
            return [
                r
                for r in self.requests
                if r.path.rstrip("/") == path.rstrip("/") and (method is None or r.method == method)
            ]

    def clear_requests(self) -> None:
        with self._lock:
            self.requests.clear()

    def issued_tokens(self) -> set[str]:
        """Every access and refresh token this fake has issued (e.g. to search logs for them)."""
        with self._lock:
            return set(self._access) | set(self._refresh)

    def access_token_valid(self, token: str | None) -> bool:
        info = self._access.get(token) if token else None
        return info is not None and info.expires_at > time.time()

    # --- request handling ------------------------------------------------------------------
    def handle(self, request: RecordedRequest) -> tuple[int, Any, dict[str, str]]:
        with self._lock:
            self.requests.append(request)
            delay = self._take_delay(request)
        if delay and not delay.after_work:
            self._stopping.wait(delay.seconds)  # outside the lock: other requests are answered meanwhile
        with self._lock:
            answer = self._answer(request)
        if delay and delay.after_work:
            self._stopping.wait(delay.seconds)
        return answer

    def _answer(self, request: RecordedRequest) -> tuple[int, Any, dict[str, str]]:
        failure = self._take_failure(request)
        if failure is not None and not failure.after_work:
            return _failure_reply(request, failure)
        try:
            answer: tuple[int, Any, dict[str, str]] = (200, *self._route(request))
        except _Reply as reply:
            answer = reply.status, reply.body, reply.headers
        return answer if failure is None else _failure_reply(request, failure)

    def _take_delay(self, request: RecordedRequest) -> _Delay | None:
        for delay in self._delays:
            if request.path.startswith(delay.path_prefix) and delay.method in (None, request.method):
                delay.times -= 1
                if delay.times <= 0:
                    self._delays.remove(delay)
                return delay
        return None

    def _take_failure(self, request: RecordedRequest) -> _Failure | None:
        for failure in self._failures:
            if request.path.startswith(failure.path_prefix) and failure.method in (None, request.method):
                failure.times -= 1
                if failure.times <= 0:
                    self._failures.remove(failure)
                return failure
        return None

    def _route(self, request: RecordedRequest) -> tuple[Any, dict[str, str]]:
        method, path = request.method, request.path
        if method == "GET" and path == "/authorize":
            return self._authorize(request)
        if method == "POST" and path == "/api/token":
            return self._token(request), {}
        if not path.startswith("/v1/"):
            raise _Reply(404, _api_error(404, "Service not found"))
        user_id, scopes = self._bearer(request)
        return self._api(request, user_id, scopes), {}

    # --- accounts service ---------------------------------------------------------------
    def _authorize(self, request: RecordedRequest) -> tuple[Any, dict[str, str]]:
        if request.param("client_id") != self.client_id:
            raise _Reply(400, "INVALID_CLIENT: Invalid client")
        redirect_uri = request.param("redirect_uri")
        if not redirect_uri or request.param("response_type") != "code":
            raise _Reply(400, "INVALID_REQUEST: redirect_uri and response_type=code are required")
        state = request.param("state")
        if self._deny_next:
            self._deny_next = False
            raise _Reply(302, "", {"Location": _with_query(redirect_uri, error="access_denied", state=state)})
        asked = tuple((request.param("scope") or "").split())
        code = secrets.token_urlsafe(24)
        self._codes[code] = {
            "user_id": self.consenting_user,
            "redirect_uri": redirect_uri,
            "scopes": frozenset(self.granted_scopes if self.granted_scopes is not None else asked),
            "code_challenge": request.param("code_challenge"),
            "code_challenge_method": request.param("code_challenge_method"),
        }
        if self.consenting_user not in self.users:
            self.add_user(self.consenting_user)
        raise _Reply(302, "", {"Location": _with_query(redirect_uri, code=code, state=state)})

    def _token(self, request: RecordedRequest) -> dict[str, Any]:
        expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if request.header("Authorization") != f"Basic {expected}":
            raise _Reply(400, {"error": "invalid_client", "error_description": "Invalid client"})
        grant = request.form.get("grant_type")
        if grant == "authorization_code":
            return self._exchange_code(request.form)
        if grant == "refresh_token":
            return self._refresh_grant(request.form)
        raise _Reply(400, {"error": "unsupported_grant_type", "error_description": f"grant_type: {grant}"})

    def _exchange_code(self, form: dict[str, str]) -> dict[str, Any]:
        grant = self._codes.pop(form.get("code", ""), None)
        if grant is None:
            raise _Reply(400, {"error": "invalid_grant", "error_description": "Invalid authorization code"})
        if form.get("redirect_uri") != grant["redirect_uri"]:
            raise _Reply(400, {"error": "invalid_grant", "error_description": "Invalid redirect URI"})
        if grant["code_challenge"]:
            verifier = form.get("code_verifier", "")
            digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
            if digest != grant["code_challenge"]:
                raise _Reply(400, {"error": "invalid_grant", "error_description": "code_verifier was incorrect"})
        return self._issue(grant["user_id"], grant["scopes"], with_refresh=True)

    def _refresh_grant(self, form: dict[str, str]) -> dict[str, Any]:
        info = self._refresh.get(form.get("refresh_token", ""))
        if info is None or info.revoked:
            raise _Reply(400, {"error": "invalid_grant", "error_description": "Refresh token revoked"})
        if self.rotate_refresh_tokens:
            info.revoked = True
        return self._issue(info.user_id, info.scopes, with_refresh=self.rotate_refresh_tokens)

    def _issue(self, user_id: str, scopes: frozenset[str], *, with_refresh: bool) -> dict[str, Any]:
        access = f"fake-access-{secrets.token_urlsafe(16)}"
        self._access[access] = _AccessToken(user_id, scopes, time.time() + self.token_lifetime)
        response: dict[str, Any] = {
            "access_token": access,
            "token_type": "Bearer",
            "scope": " ".join(sorted(scopes)),
            "expires_in": self.token_lifetime,
        }
        if with_refresh:
            refresh = f"fake-refresh-{secrets.token_urlsafe(16)}"
            self._refresh[refresh] = _RefreshToken(user_id, scopes)
            response["refresh_token"] = refresh
        return response

    # --- Web API -------------------------------------------------------------------------
    def _bearer(self, request: RecordedRequest) -> tuple[str, frozenset[str]]:
        header = request.header("Authorization") or ""
        if not header.startswith("Bearer "):
            raise _Reply(401, _api_error(401, "No token provided"))
        info = self._access.get(header.removeprefix("Bearer "))
        if info is None:
            raise _Reply(401, _api_error(401, "Invalid access token"))
        if info.expires_at <= time.time():
            raise _Reply(401, _api_error(401, "The access token expired"))
        return info.user_id, info.scopes

    def _api(self, request: RecordedRequest, user_id: str, scopes: frozenset[str]) -> Any:
        # Spotify ignores a trailing slash (spotipy asks for "me/").
        method, path = request.method, request.path.removeprefix("/v1").rstrip("/")
        if method == "GET" and path == "/me":
            return self._user_object(user_id)
        if method == "GET" and path == "/me/player/recently-played":
            _need(scopes, "user-read-recently-played")
            return self._recently_played(request, user_id)
        if method == "GET" and path == "/me/top/tracks":
            _need(scopes, "user-top-read")
            return self._top_tracks(request, user_id)
        if method == "GET" and path == "/search":
            return self._search(request)
        if method == "POST" and path == "/me/playlists":
            return self._create_playlist(request, user_id, scopes)
        if method == "GET" and path == "/me/playlists":
            return self._my_playlists(request, user_id, scopes)
        if match := re.fullmatch(r"/tracks/([^/]+)", path):
            return self._track_or_404(match.group(1)) if method == "GET" else _method_not_allowed()
        if match := re.fullmatch(r"/playlists/([^/]+)/items", path):
            if method == "POST":
                return self._add_items(request, user_id, scopes, match.group(1))
            return self._playlist_items_page(request, self._playlist_or_404(match.group(1)))
        if (match := re.fullmatch(r"/playlists/([^/]+)", path)) and method == "GET":
            return self._playlist_object(self._playlist_or_404(match.group(1)), with_items=True)
        if method == "GET" and path == "/audio-features" and self.audio_features_access:
            return self._audio_features(request)
        if path.startswith("/audio-features") or path.startswith("/audio-analysis"):
            raise _Reply(403, _api_error(403, "Forbidden"))  # closed to new apps since 2024-11-27
        raise _Reply(404, _api_error(404, "Service not found"))

    def _user_object(self, user_id: str) -> dict[str, Any]:
        user = self.users[user_id]
        return {  # 2026: no email, country or product
            "id": user_id,
            "display_name": user["display_name"],
            "images": [{"url": f"https://i.scdn.co/image/{user_id}", "height": 300, "width": 300}],
            "type": "user",
            "uri": f"spotify:user:{user_id}",
            "href": f"{self.api_base_url}users/{user_id}",
            "external_urls": {"spotify": f"https://open.spotify.com/user/{user_id}"},
            "followers": {"href": None, "total": 0},
        }

    def _recently_played(self, request: RecordedRequest, user_id: str) -> dict[str, Any]:
        limit = _limit(request, default=20, maximum=50)
        ids = self.users[user_id]["recently_played"][:limit]
        now = time.time()
        items = [
            {"track": self.tracks[tid], "played_at": _iso(now - 600 * n), "context": None} for n, tid in enumerate(ids)
        ]
        return {
            "href": f"{self.api_base_url}me/player/recently-played?limit={limit}",
            "items": items,
            "limit": limit,
            "next": None,
            "cursors": {"after": str(int(now * 1000)), "before": str(int((now - 600 * len(ids)) * 1000))},
        }

    def _top_tracks(self, request: RecordedRequest, user_id: str) -> dict[str, Any]:
        limit = _limit(request, default=20, maximum=50)
        time_range = request.param("time_range") or "medium_term"
        if time_range not in {"short_term", "medium_term", "long_term"}:
            raise _Reply(400, _api_error(400, "Invalid time range"))
        ids = self.users[user_id]["top_tracks"]
        return self._page(request, [self.tracks[t] for t in ids], limit, "me/top/tracks")

    def _search(self, request: RecordedRequest) -> dict[str, Any]:
        query, kinds = request.param("q"), (request.param("type") or "").split(",")
        if not query or not kinds or kinds == [""]:
            raise _Reply(400, _api_error(400, "No search query"))
        limit = _limit(request, default=SEARCH_LIMIT_MAX, maximum=SEARCH_LIMIT_MAX)
        words = [w.split(":")[-1].lower() for w in query.split()]
        found = [t for t in self.tracks.values() if all(w in _haystack(t) for w in words)]
        return {"tracks": self._page(request, found, limit, "search")} if "track" in kinds else {}

    def _audio_features(self, request: RecordedRequest) -> dict[str, Any]:
        ids = (request.param("ids") or "").split(",")
        if not ids or ids == [""] or len(ids) > 100:
            raise _Reply(400, _api_error(400, "Invalid ids"))
        return {"audio_features": [_features(self.tracks[i]) if i in self.tracks else None for i in ids]}

    def _create_playlist(self, request: RecordedRequest, user_id: str, scopes: frozenset[str]) -> dict[str, Any]:
        body = request.json if isinstance(request.json, dict) else None
        if body is None or not body.get("name"):
            raise _Reply(400, _api_error(400, "Missing required field: name"))
        public = bool(body.get("public", True))
        _need(scopes, "playlist-modify-public" if public else "playlist-modify-private")
        playlist_id = f"fakeplaylist{next(self._ids):010d}"
        self.playlists[playlist_id] = {
            "id": playlist_id,
            "owner": user_id,
            "name": body["name"],
            "public": public,
            "collaborative": bool(body.get("collaborative", False)),
            "description": body.get("description") or None,
            "items": [],
            "snapshots": 1,
        }
        raise _Reply(201, self._playlist_object(self.playlists[playlist_id], with_items=False))

    def _my_playlists(self, request: RecordedRequest, user_id: str, scopes: frozenset[str]) -> dict[str, Any]:
        limit = _limit(request, default=20, maximum=50)
        offset = request.param("offset") or "0"
        if not offset.isdigit() or int(offset) > 100_000:
            raise _Reply(400, _api_error(400, "Invalid offset"))
        # Spotify lists the library with the newest playlist first.
        mine = [p for p in reversed(self.playlists.values()) if p["owner"] == user_id and _listed(p, scopes)]
        return self._page(request, [self._playlist_object(p, with_items=False) for p in mine], limit, "me/playlists")

    def _add_items(self, request: RecordedRequest, user_id: str, scopes: frozenset[str], playlist_id: str) -> Any:
        playlist = self._playlist_or_404(playlist_id)
        _need(scopes, "playlist-modify-public" if playlist["public"] else "playlist-modify-private")
        if playlist["owner"] != user_id and not playlist["collaborative"]:
            raise _Reply(403, _api_error(403, "You cannot add items to a playlist you don't own."))
        uris = request.json.get("uris") if isinstance(request.json, dict) else None
        if not isinstance(uris, list) or not uris:
            raise _Reply(400, _api_error(400, "Missing or empty uris"))
        if len(uris) > ADD_ITEMS_MAX:
            raise _Reply(400, _api_error(400, f"You can add a maximum of {ADD_ITEMS_MAX} items per request."))
        if not all(isinstance(u, str) and TRACK_URI.match(u) for u in uris):
            raise _Reply(400, _api_error(400, "Invalid base62 id"))
        position = request.json.get("position")
        at = len(playlist["items"]) if position is None else int(position)
        playlist["items"][at:at] = uris
        playlist["snapshots"] += 1
        raise _Reply(201, {"snapshot_id": _snapshot(playlist)})

    def _playlist_or_404(self, playlist_id: str) -> dict[str, Any]:
        if playlist_id not in self.playlists:
            raise _Reply(404, _api_error(404, "Resource not found"))
        return self.playlists[playlist_id]

    def _track_or_404(self, track_id: str) -> dict[str, Any]:
        if track_id not in self.tracks:
            raise _Reply(
                404,
                _api_error(404, "Resource not found")
                if re.fullmatch(r"[0-9A-Za-z]+", track_id)
                else _api_error(400, "Invalid base62 id"),
            )
        return self.tracks[track_id]

    def _playlist_object(self, playlist: dict[str, Any], *, with_items: bool) -> dict[str, Any]:
        pid = playlist["id"]
        items_href = f"{self.api_base_url}playlists/{pid}/items"
        return {
            "id": pid,
            "name": playlist["name"],
            "description": _escaped(playlist["description"]),
            "public": playlist["public"],
            "collaborative": playlist["collaborative"],
            "owner": {k: v for k, v in self._user_object(playlist["owner"]).items() if k != "followers"},
            "images": [],
            "snapshot_id": _snapshot(playlist),
            "type": "playlist",
            "uri": f"spotify:playlist:{pid}",
            "href": f"{self.api_base_url}playlists/{pid}",
            "external_urls": {"spotify": f"https://open.spotify.com/playlist/{pid}"},
            # 2026: the playlist's `tracks` field is now `items`.
            "items": self._playlist_items_page(None, playlist)
            if with_items
            else {"href": items_href, "total": len(playlist["items"])},
        }

    def _playlist_items_page(self, request: RecordedRequest | None, playlist: dict[str, Any]) -> dict[str, Any]:
        limit = _limit(request, default=100, maximum=100) if request else 100
        entries = [
            {
                "added_at": _iso(time.time()),
                "added_by": {"id": playlist["owner"], "type": "user", "uri": f"spotify:user:{playlist['owner']}"},
                "is_local": False,
                "item": self.tracks.get(uri.rsplit(":", 1)[-1]) or {"uri": uri, "type": uri.split(":")[1]},
            }
            for uri in playlist["items"]
        ]
        return self._page(request, entries, limit, f"playlists/{playlist['id']}/items")

    def _page(self, request: RecordedRequest | None, items: list[Any], limit: int, path: str) -> dict[str, Any]:
        offset = int(request.param("offset") or 0) if request else 0
        chunk = items[offset : offset + limit]
        more = offset + limit < len(items)
        return {
            "href": f"{self.api_base_url}{path}?offset={offset}&limit={limit}",
            "items": chunk,
            "limit": limit,
            "offset": offset,
            "total": len(items),
            "next": f"{self.api_base_url}{path}?offset={offset + limit}&limit={limit}" if more else None,
            "previous": None
            if offset == 0
            else f"{self.api_base_url}{path}?offset={max(0, offset - limit)}&limit={limit}",
        }


class _Handler(BaseHTTPRequestHandler):
    server_version = "FakeSpotify/1.0"

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:  # quiet test output
        pass

    def _serve(self) -> None:
        fake: FakeSpotify = self.server.fake  # type: ignore[attr-defined]
        status, body, headers = fake.handle(self._recorded())
        if isinstance(body, (dict, list)):
            payload, content_type = json.dumps(body).encode(), "application/json; charset=utf-8"
        else:
            payload, content_type = str(body or "").encode(), "text/plain; charset=utf-8"
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up waiting (see delay_next)

    def _recorded(self) -> RecordedRequest:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        content_type = self.headers.get("Content-Type") or ""
        parsed_json, form = None, {}
        if body and "json" in content_type:
            try:
                parsed_json = json.loads(body)
            except ValueError:
                parsed_json = None
        elif body and "x-www-form-urlencoded" in content_type:
            form = {k: v[0] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
        return RecordedRequest(
            method=self.command,
            path=parts.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers=dict(self.headers.items()),
            body=body,
            json=parsed_json,
            form=form,
        )


def _catalog(size: int) -> dict[str, dict[str, Any]]:
    tracks = {}
    for n in range(1, size + 1):
        track_id = f"faketrack{n:013d}"  # 22 base62 characters, like Spotify's ids
        artist = ARTISTS[n % len(ARTISTS)]
        artist_id = f"fakeartist{ARTISTS.index(artist):012d}"
        album_id = f"fakealbum{n // 10:013d}"
        artist_obj = {"id": artist_id, "name": artist, "type": "artist", "uri": f"spotify:artist:{artist_id}"}
        tracks[track_id] = {  # 2026: no popularity, no preview_url
            "id": track_id,
            "name": f"Song {n}",
            "type": "track",
            "uri": f"spotify:track:{track_id}",
            "artists": [artist_obj],
            "album": {
                "id": album_id,
                "name": f"Album {n // 10}",
                "type": "album",
                "album_type": "album",
                "uri": f"spotify:album:{album_id}",
                "images": [  # largest first, as Spotify lists them
                    {"url": f"https://i.scdn.co/image/{album_id}{size}", "width": size, "height": size} for size in (640, 300, 64)
                ],
                "release_date": "2024-01-01",
                "release_date_precision": "day",
                "artists": [artist_obj],
            },
            "duration_ms": 180_000 + n * 1000,
            "explicit": False,
            "is_local": False,
            "disc_number": 1,
            "track_number": n % 10 + 1,
            "external_urls": {"spotify": f"https://open.spotify.com/track/{track_id}"},
        }
    return tracks


def _features(track: dict[str, Any]) -> dict[str, Any]:
    n = int(track["id"].removeprefix("faketrack"))
    return {
        "id": track["id"],
        "uri": track["uri"],
        "type": "audio_features",
        "danceability": round((n * 37 % 100) / 100, 2),
        "energy": round((n * 53 % 100) / 100, 2),
        "valence": round((n * 71 % 100) / 100, 2),
        "tempo": 70.0 + n * 7 % 110,
        "acousticness": round((n * 13 % 100) / 100, 2),
        "instrumentalness": round((n * 29 % 100) / 100, 2),
        "liveness": round((n * 17 % 100) / 100, 2),
        "speechiness": round((n * 11 % 100) / 100, 2),
        "loudness": -float(n % 30),
        "mode": n % 2,
        "key": n % 12,
        "time_signature": 4,
        "duration_ms": track["duration_ms"],
    }


def _haystack(track: dict[str, Any]) -> str:
    return " ".join([track["name"], track["album"]["name"], *(a["name"] for a in track["artists"])]).lower()


def _limit(request: RecordedRequest | None, *, default: int, maximum: int) -> int:
    raw = request.param("limit") if request else None
    try:
        limit = int(raw) if raw is not None else default
    except ValueError:
        limit = -1
    if not 1 <= limit <= maximum:
        raise _Reply(400, _api_error(400, "Invalid limit"))
    return limit


def _listed(playlist: dict[str, Any], scopes: frozenset[str]) -> bool:
    if playlist["collaborative"]:
        return "playlist-read-collaborative" in scopes
    return playlist["public"] or "playlist-read-private" in scopes


def _escaped(description: str | None) -> str | None:
    # Spotify returns descriptions HTML-escaped, "/" and "'" included.
    if description is None:
        return None
    return html.escape(description, quote=True).replace("/", "&#x2F;")


def _failure_reply(request: RecordedRequest, failure: _Failure) -> tuple[int, Any, dict[str, str]]:
    body = failure.body if failure.body is not None else _default_error(request.path, failure.status)
    return failure.status, body, failure.headers


def _need(scopes: frozenset[str], scope: str) -> None:
    if scope not in scopes:
        raise _Reply(403, _api_error(403, "Insufficient client scope"))


def _method_not_allowed() -> Any:
    raise _Reply(405, _api_error(405, "Method not allowed"))


def _api_error(status: int, message: str) -> dict[str, Any]:
    return {"error": {"status": status, "message": message}}


def _default_error(path: str, status: int) -> dict[str, Any]:
    if path == "/api/token" and status >= 500:
        return {"error": "server_error"}
    messages = {401: "The access token expired", 403: "Insufficient client scope", 429: "API rate limit exceeded"}
    return _api_error(status, messages.get(status, "Server error"))


def _with_query(url: str, **params: str | None) -> str:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return f"{url}{'&' if '?' in url else '?'}{query}"


def _snapshot(playlist: dict[str, Any]) -> str:
    return f"{playlist['id']}-snapshot-{playlist['snapshots']}"


def _iso(timestamp: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(timestamp))
