"""Sign-in limits under attack: password checks an attacker gets per minute, against a real gunicorn.

    .venv/bin/python bench/signin_limits.py                 # about four minutes
    .venv/bin/python bench/signin_limits.py --seconds 20    # shorter scenarios

It starts gunicorn (3 sync workers, as docker/Dockerfile runs it) on 127.0.0.1 with the
README's single-machine defaults (SQLite, no CACHE_URL, the real password hasher) and
TRUSTED_PROXY_COUNT=1 (production's value), in a temporary folder, and stops it on exit.
Loopback peers stand for the two ways in: 127.0.0.2 is "our proxy" (it is in
TRUSTED_PROXY_NETWORKS: what it puts in X-Forwarded-For is believed), the other 127.x
addresses are attackers who reach gunicorn directly and write X-Forwarded-For themselves
(one address per scenario).

Scenarios, each bounded by --seconds and --max-attempts:
- direct-form / direct-token: wrong passwords for one account through the log-in form / the
  token endpoint, every request with a new X-Forwarded-For, then the right password;
- many-addresses: the same through the proxy, as a botnet with a real address per request
  would arrive, then the right password from yet another address;
- owner-after-many: the owner of that account, from the address they signed in from before;
- spray: one wrong password for each of --spray-accounts accounts from one address;
- claimed-address: the attacker (direct) claims the owner's address for 10 wrong passwords,
  then the owner signs in from it (through the proxy).

"checked" counts the answers that compared a password (200 form / 400 API), "refused" the 429s.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "correct horse battery staple 7"
WRONG = "not-the-password"
PROXY_PEER = "127.0.0.2"
DIRECT_PEER = "127.0.0.1"
# Each direct scenario from an address of its own: the per-address count must not carry over.
TOKEN_PEER, SPRAY_PEER, CLAIM_PEER = "127.0.0.3", "127.0.0.4", "127.0.0.5"
OWNER_ADDRESS = "198.51.100.7"
CHECKED = {200, 400}
SIGNED_IN = {201, 302}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60.0, help="longest a guessing scenario runs")
    parser.add_argument("--max-attempts", type=int, default=400, help="most requests a guessing scenario sends")
    parser.add_argument("--spray-accounts", type=int, default=40)
    parser.add_argument("--web-workers", type=int, default=3)
    return parser.parse_args(argv)


def stack_environment(work: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "soundscapify.settings.base",
        "DEBUG": "false",
        "DATABASE_URL": f"sqlite:///{work / 'signin.sqlite3'}",
        "TRUSTED_PROXY_COUNT": "1",
        "TRUSTED_PROXY_NETWORKS": f"{PROXY_PEER}/32",
        "MEDIA_ROOT": str(work / "media"),
        "NO_PROXY": "127.0.0.0/8,localhost",
    }


def prepare_accounts(env: dict[str, str], spray_accounts: int) -> None:
    """Migrate the bench database and create every account the scenarios use (all with PASSWORD)."""
    names = ["target-form", "target-token", "target-many", "owner", *(f"spray-{i}" for i in range(spray_accounts))]
    script = (
        "from django.core.management import call_command\n"
        "from django.contrib.auth import get_user_model\n"
        "call_command('migrate', interactive=False, verbosity=0)\n"
        f"for name in {names!r}:\n"
        f"    get_user_model().objects.create_user(name, f'{{name}}@example.com', {PASSWORD!r})\n"
    )
    subprocess.run([sys.executable, "manage.py", "shell", "-c", script], cwd=ROOT, env=env, check=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_gunicorn(env: dict[str, str], workers: int, log_path: Path) -> Iterator[int]:
    port = free_port()
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "soundscapify.wsgi:application", "--bind", f"0.0.0.0:{port}",
             "--workers", str(workers), "--timeout", "60"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        wait_until_serving(port, process)
        yield port
    finally:
        process.terminate()
        with suppress(subprocess.TimeoutExpired):
            process.wait(20)
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


def wait_until_serving(port: int, process: subprocess.Popen[bytes], timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited before serving")
        with suppress(OSError):
            Client(port, DIRECT_PEER).request("GET", "/healthz")
            return
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not start serving in time")


# --- Clients -----------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: str


class Client:
    """HTTP from a chosen loopback source address, with the cookies it was given."""

    def __init__(self, port: int, peer: str) -> None:
        self.port, self.peer = port, peer
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str = "", headers: dict[str, str] | None = None) -> Answer:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60, source_address=(self.peer, 0))
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            connection.request(method, path, body=body, headers={**(headers or {}), **({"Cookie": cookie} if cookie else {})})
            response = connection.getresponse()
            answer = Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read().decode())
        finally:
            connection.close()
        for header in answer.headers.get("set-cookie", "").split(", "):
            name, _, rest = header.partition("=")
            if name in ("csrftoken", "sessionid"):
                self.cookies[name] = rest.split(";", 1)[0]
        return answer


class FormLogin:
    """The HTML log-in form, with its CSRF token."""

    def __init__(self, port: int, peer: str) -> None:
        self.client = Client(port, peer)
        page = self.client.request("GET", "/account/login/")
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.body)
        assert match, page.status
        self.token = match.group(1)

    def __call__(self, username: str, password: str, forwarded_for: str | None) -> int:
        body = urlencode({"username": username, "password": password, "csrfmiddlewaretoken": self.token})
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if forwarded_for:
            headers["X-Forwarded-For"] = forwarded_for
        return self.client.request("POST", "/account/login/", body, headers).status


class TokenLogin:
    def __init__(self, port: int, peer: str) -> None:
        self.client = Client(port, peer)

    def __call__(self, username: str, password: str, forwarded_for: str | None) -> int:
        body = json.dumps({"username": username, "password": password, "name": "bench"})
        headers = {"Content-Type": "application/json"}
        if forwarded_for:
            headers["X-Forwarded-For"] = forwarded_for
        return self.client.request("POST", "/api/v1/auth/token/", body, headers).status


Login = Callable[[str, str, "str | None"], int]


# --- Scenarios ---------------------------------------------------------------------------------


@dataclass
class Outcome:
    name: str
    answers: Counter[int]
    seconds: float
    last: str = ""

    def row(self) -> str:
        checked = sum(n for status, n in self.answers.items() if status in CHECKED)
        refused = self.answers[429]
        per_minute = checked / max(self.seconds, 60.0) * 60
        return (f"  {self.name:<18} sent {sum(self.answers.values()):>4}  checked {checked:>4}  refused {refused:>4}  "
                f"in {self.seconds:6.1f} s  checked/min {per_minute:6.1f}  {self.last}")


def rotating_address(i: int) -> str:
    return f"203.0.{i // 250}.{i % 250 + 1}"


def guess(name: str, login: Login, username: str, args: argparse.Namespace, forwarded: Callable[[int], str]) -> Outcome:
    """Wrong passwords until --seconds or --max-attempts, then the right one from a fresh address."""
    answers: Counter[int] = Counter()
    started = time.monotonic()
    i = 0
    while i < args.max_attempts and time.monotonic() - started < args.seconds:
        answers[login(username, WRONG, forwarded(i))] += 1
        i += 1
    elapsed = time.monotonic() - started
    final = login(username, PASSWORD, forwarded(i + 1))
    return Outcome(name, answers, elapsed, f"right password then: {final} ({'signed in' if final in SIGNED_IN else 'refused'})")


def spray(port: int, accounts: int) -> Outcome:
    login = FormLogin(port, SPRAY_PEER)
    answers: Counter[int] = Counter()
    started = time.monotonic()
    for i in range(accounts):
        answers[login(f"spray-{i}", WRONG, None)] += 1
    return Outcome("spray", answers, time.monotonic() - started, f"{accounts} accounts from one address")


def owner_signs_in(port: int, name: str) -> Outcome:
    status = FormLogin(port, PROXY_PEER)("target-many", PASSWORD, OWNER_ADDRESS)
    return Outcome(name, Counter(), 0.0, f"owner from own address: {status} ({'signed in' if status in SIGNED_IN else 'refused'})")


def claimed_address(port: int) -> Outcome:
    attacker = FormLogin(port, CLAIM_PEER)
    answers = Counter(attacker("owner", WRONG, OWNER_ADDRESS) for _ in range(10))
    status = FormLogin(port, PROXY_PEER)("owner", PASSWORD, OWNER_ADDRESS)
    return Outcome("claimed-address", answers, 0.0, f"owner then: {status} ({'signed in' if status in SIGNED_IN else 'refused'})")


def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="signin-bench-") as folder:
        work = Path(folder)
        env = stack_environment(work)
        prepare_accounts(env, args.spray_accounts)
        with running_gunicorn(env, args.web_workers, work / "gunicorn.log") as port:
            # The owners have signed in before, from their own address, through the proxy.
            for owner in ("owner", "target-many"):
                assert FormLogin(port, PROXY_PEER)(owner, PASSWORD, OWNER_ADDRESS) in SIGNED_IN
            outcomes = [
                guess("direct-form", FormLogin(port, DIRECT_PEER), "target-form", args, rotating_address),
                guess("direct-token", TokenLogin(port, TOKEN_PEER), "target-token", args, rotating_address),
                guess("many-addresses", FormLogin(port, PROXY_PEER), "target-many", args,
                      lambda i: rotating_address(1000 + i)),
                owner_signs_in(port, "owner-after-many"),
                spray(port, args.spray_accounts),
                claimed_address(port),
            ]
    print(f"gunicorn {args.web_workers} workers, README defaults, TRUSTED_PROXY_COUNT=1")
    for outcome in outcomes:
        print(outcome.row(), flush=True)


def main() -> None:
    run(parse_args())


if __name__ == "__main__":
    main()
