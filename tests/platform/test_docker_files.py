"""Images cannot be built on these machines, so the deployment files are checked by parsing."""
from __future__ import annotations

import re
from pathlib import Path

import yaml
from django.conf import settings

DOCKER_DIR = Path(settings.BASE_DIR) / "docker"


def compose() -> dict:
    return yaml.safe_load((DOCKER_DIR / "compose.yaml").read_text())


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = (DOCKER_DIR / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return [tuple(line.split(None, 1)) for line in lines]  # type: ignore[misc]


def test_compose_runs_every_role_of_the_product() -> None:
    services = compose()["services"]

    assert {"web", "worker-ml", "worker-default", "beat", "postgres", "redis", "proxy"} <= set(services)
    assert "-Q" in services["worker-ml"]["command"] and "ml" in services["worker-ml"]["command"]
    assert "default" in services["worker-default"]["command"]


def test_app_services_use_postgres_and_redis() -> None:
    services = compose()["services"]

    for name in ("web", "worker-ml", "worker-default", "beat"):
        environment = services[name]["environment"]
        assert environment["DATABASE_URL"].startswith("postgres://"), name
        assert environment["CELERY_BROKER_URL"].startswith("redis://"), name


def test_dockerfile_is_multi_stage_non_root_with_a_health_check() -> None:
    instructions = dockerfile_instructions()
    keywords = [keyword for keyword, _ in instructions]

    assert keywords.count("FROM") >= 2
    user = [argument for keyword, argument in instructions if keyword == "USER"]
    assert user and user[-1] not in ("root", "0")
    assert any(keyword == "HEALTHCHECK" and "/healthz" in argument for keyword, argument in instructions)


def test_proxy_caps_the_request_body() -> None:
    nginx = (DOCKER_DIR / "nginx.conf").read_text()

    match = re.search(r"client_max_body_size\s+(\d+)m;", nginx)
    assert match and 20 <= int(match.group(1)) <= 32
    assert re.search(r"location /static/ \{\s*alias /srv/static/;", nginx)


def test_proxy_keeps_the_scheme_an_outer_tls_terminator_forwarded() -> None:
    """Overwriting X-Forwarded-Proto with its own "http" would loop the HTTPS redirect."""
    nginx = (DOCKER_DIR / "nginx.conf").read_text()

    passed_on = re.search(r"map \$http_x_forwarded_proto \$(\w+) \{([^}]*)\}", nginx)
    assert passed_on, "no map of the incoming X-Forwarded-Proto"
    variable, cases = passed_on.groups()
    assert re.search(r"default\s+\$http_x_forwarded_proto;", cases) and re.search(r'""\s+\$scheme;', cases)
    assert re.search(rf"proxy_set_header X-Forwarded-Proto \${variable};", nginx)
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in nginx
