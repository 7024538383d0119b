"""Upload limits hold before the body is read: a real gunicorn, a raw socket, a body never sent.

The client declares a 50 MB body and sends a few bytes; the answer must come at once (the
server did not wait for, nor spool, 50 MB). A chunked body without Content-Length must
not be read at all: it is refused with 411.
"""
from __future__ import annotations

import json
import socket
import time
from typing import Any
from urllib.parse import urlparse

import pytest

from accounts.services import api_token_create
from scenes.errors import LENGTH_REQUIRED_MESSAGE, TOO_LARGE_MESSAGE
from scenes.models import Recording
from tests.factories import UserFactory

URL = "/api/v1/recordings/"
BOUNDARY = "fuzzboundary"
DECLARED_BYTES = 50 * 1024 * 1024
PROMPT_S = 5.0  # generous on a loaded machine; waiting for 50 MB that never come takes gunicorn's 60 s


@pytest.fixture
def bearer(transactional_db: None) -> str:
    user = UserFactory.create()
    return api_token_create(user=user, name="reliability").key


def request_head(server_url: str, key: str, length_header: str) -> bytes:
    host = urlparse(server_url).netloc
    return (
        f"POST {URL} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {key}\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n{length_header}\r\n"
        "Connection: close\r\n\r\n"
    ).encode()


def first_part() -> bytes:
    return (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.wav"\r\n'
        "Content-Type: audio/wav\r\n\r\nRIFF"
    ).encode()


def send_and_read_answer(server_url: str, payload: bytes) -> tuple[int, dict[str, Any], float]:
    """Send `payload`, keep the connection open (the rest of the body never comes), read the answer."""
    address = urlparse(server_url)
    started = time.monotonic()
    with socket.create_connection((address.hostname, address.port), timeout=30) as sock:
        sock.sendall(payload)
        answer = b""
        while b"\r\n\r\n" not in answer or len(answer.partition(b"\r\n\r\n")[2]) < content_length_of(answer):
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    elapsed = time.monotonic() - started
    head, _, body = answer.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, json.loads(body or b"{}"), elapsed


def content_length_of(answer: bytes) -> int:
    for line in answer.partition(b"\r\n\r\n")[0].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 1 << 30  # read until the server closes


def test_a_declared_50_mb_upload_is_refused_with_413_before_its_body_is_read(
    product_server: Any, bearer: str, settings: Any
) -> None:
    payload = request_head(product_server.url, bearer, f"Content-Length: {DECLARED_BYTES}") + first_part()

    status, body, elapsed = send_and_read_answer(product_server.url, payload)

    assert status == 413
    limit_mb = settings.SCENES_MAX_UPLOAD_BYTES / (1024 * 1024)
    assert body == {"code": "too_large", "detail": TOO_LARGE_MESSAGE.format(limit_mb=limit_mb)}
    assert elapsed < PROMPT_S, f"answered after {elapsed:.1f} s: the server waited for the body"
    assert Recording.objects.count() == 0


def test_a_chunked_upload_without_content_length_is_not_read_and_is_refused(
    product_server: Any, bearer: str
) -> None:
    part = first_part() + b"\x00" * 4096
    # One chunk, and no last chunk: a server that reads the stream to its end would hang here.
    payload = request_head(product_server.url, bearer, "Transfer-Encoding: chunked") + b"%x\r\n%s\r\n" % (
        len(part), part
    )

    status, body, elapsed = send_and_read_answer(product_server.url, payload)

    # Under WSGI a body without Content-Length reads as empty: rather than "no file", the
    # client is told what to send.
    assert status == 411, (status, body)
    assert body == {"code": "length_required", "detail": LENGTH_REQUIRED_MESSAGE}
    assert elapsed < PROMPT_S, f"answered after {elapsed:.1f} s: the server waited for the body"
    assert Recording.objects.count() == 0
