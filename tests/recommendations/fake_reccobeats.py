"""A fake ReccoBeats on 127.0.0.1: GET /v1/audio-features?ids=<Spotify ids, comma-separated>.

Answers like the real one: `{"content": [...]}`, each item naming its track by Spotify URL
in `href`. Knobs: `unknown` (ids it has no features for), `fail_from(n, status)` (the
n-th request on answers `status`), `rate_limit_next(seconds)`. `requests` records each query.
"""
from __future__ import annotations

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

MAX_IDS = 40


def features_for(spotify_id: str) -> dict[str, Any]:
    digest = hashlib.sha256(spotify_id.encode()).digest()
    unit = [b / 255 for b in digest[:7]]
    return {
        "valence": round(unit[0], 3), "energy": round(unit[1], 3), "danceability": round(unit[2], 3),
        "acousticness": round(unit[3], 3), "instrumentalness": round(unit[4], 3), "speechiness": round(unit[5] / 4, 3),
        "liveness": 0.1, "loudness": -8.0, "tempo": round(60 + 120 * unit[6], 2), "key": digest[7] % 12, "mode": digest[8] % 2,
    }


class FakeReccoBeats:
    def __init__(self) -> None:
        self.requests: list[list[str]] = []
        self.unknown: set[str] = set()
        self._fail_from: tuple[int, int] | None = None
        self._rate_limit: list[int] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.fake = self  # type: ignore[attr-defined]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1/"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def fail_from(self, request_number: int, status: int = 500) -> None:
        self._fail_from = (request_number, status)

    def recover(self) -> None:
        self._fail_from = None

    def rate_limit_next(self, seconds: int) -> None:
        self._rate_limit.append(seconds)

    def answer(self, path: str, query: dict[str, list[str]]) -> tuple[int, Any, dict[str, str]]:
        with self._lock:
            ids = [i for value in query.get("ids", []) for i in value.split(",") if i]
            self.requests.append(ids)
            if path != "/v1/audio-features":
                return 404, {"error": "not found"}, {}
            if self._rate_limit:
                return 429, {"error": "Too Many Requests"}, {"Retry-After": str(self._rate_limit.pop(0))}
            if self._fail_from and len(self.requests) >= self._fail_from[0]:
                return self._fail_from[1], {"error": "Internal Server Error"}, {}
            if not ids or len(ids) > MAX_IDS:
                return 400, {"error": "ids: 1 to 40"}, {}
            content = [
                {"id": f"rb-{i}", "href": f"https://open.spotify.com/track/{i}", **features_for(i)}
                for i in ids if i not in self.unknown
            ]
            return 200, {"content": content}, {}


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        status, body, headers = self.server.fake.answer(parts.path, parse_qs(parts.query))  # type: ignore[attr-defined]
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass
