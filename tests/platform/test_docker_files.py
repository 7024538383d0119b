"""Images cannot be built on these machines, so the deployment files are checked by parsing."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
DOCKER_DIR = BASE_DIR / "docker"
REQUIREMENTS_DIR = BASE_DIR / "requirements"
ML_PACKAGES = {"tensorflow-cpu", "keras", "librosa", "soundfile", "matplotlib"}
WEB_IMAGE_SERVICES = ("web", "worker-default", "beat", "migrate", "static")


def compose() -> dict:
    return yaml.safe_load((DOCKER_DIR / "compose.yaml").read_text())


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = (DOCKER_DIR / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return [tuple(line.split(None, 1)) for line in lines]  # type: ignore[misc]


def dockerfile_stages() -> dict[str, list[tuple[str, str]]]:
    """Each named stage's instructions, its FROM first."""
    stages: dict[str, list[tuple[str, str]]] = {}
    for keyword, argument in dockerfile_instructions():
        if keyword == "FROM":
            current = stages.setdefault(argument.split(" AS ")[-1], [])
        current.append((keyword, argument))
    return stages


def stage_text(name: str) -> str:
    return "\n".join(f"{keyword} {argument}" for keyword, argument in dockerfile_stages()[name])


def requirement_names(file_name: str) -> set[str]:
    """The packages a requirements/ file installs, following its `-r` includes."""
    names: set[str] = set()
    for line in (REQUIREMENTS_DIR / file_name).read_text().splitlines():
        line = line.split("#")[0].strip()
        if line.startswith("-r "):
            names |= requirement_names(line.split(None, 1)[1])
        elif line:
            names.add(re.split(r"[\[=<>]", line)[0].lower())
    return names


def dockerignore_rules() -> list[tuple[bool, re.Pattern[str]]]:
    """(re-included?, pattern) per line, with Docker's wildcards: `*` within a folder, `**` across."""
    rules = []
    for line in (BASE_DIR / ".dockerignore").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            pattern = re.escape(line.lstrip("!").strip("/"))
            pattern = pattern.replace(r"\*\*/", "(.*/)?").replace(r"\*\*", ".*").replace(r"\*", "[^/]*")
            rules.append((line.startswith("!"), re.compile(pattern)))
    return rules


def sent_to_the_build(path: str) -> bool:
    """Docker's rule: the last pattern that matches the path or a folder above it decides."""
    parts = path.split("/")
    candidates = ["/".join(parts[:end]) for end in range(1, len(parts) + 1)]
    sent = True
    for included, pattern in dockerignore_rules():
        if any(pattern.fullmatch(candidate) for candidate in candidates):
            sent = included
    return sent


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


# --- One image per role, each with its own requirement set ------------------------------------


def test_the_web_requirements_leave_the_ml_libraries_to_the_ml_set() -> None:
    base, ml, dev = (requirement_names(name) for name in ("base.txt", "ml.txt", "dev.txt"))

    assert not base & ML_PACKAGES
    assert {"django", "celery", "av", "numpy", "scikit-learn", "gunicorn"} <= base
    assert base | ML_PACKAGES == ml
    assert ml < dev and {"pytest", "ruff", "mypy"} <= dev


def pins(lines: list[str]) -> dict[str, str]:
    """name -> version of `name==version` lines, names normalised as pip compares them."""
    found = {}
    for line in lines:
        line = line.split("#")[0].strip()
        if "==" in line:
            name, version = line.split("==")
            found[re.sub(r"[-_.]+", "-", re.sub(r"\[.*\]", "", name)).lower()] = version
    return found


def test_every_requirement_is_pinned_as_constraints_txt_pins_it() -> None:
    constraints = pins((BASE_DIR / "constraints.txt").read_text().splitlines())
    for path in sorted(REQUIREMENTS_DIR.glob("*.txt")):
        lines = [line for line in path.read_text().splitlines() if line.strip() and not line.startswith(("#", "-r "))]
        required = pins(lines)

        assert len(required) == len(lines), f"{path.name}: a requirement without ==version"
        assert {name: constraints.get(name) for name in required} == required, path.name


def test_the_web_image_installs_the_base_requirements_and_no_model() -> None:
    wheels, web = stage_text("wheels-web"), stage_text("web")

    assert "-r requirements/base.txt" in wheels and "ml.txt" not in wheels
    assert "from=wheels-web" in web and "-r /build/requirements/base.txt" in web
    assert "ml.txt" not in web and "wheels-ml" not in web
    assert "COPY --from=source-web" in web and "RUN rm -r /src/ml/artifacts" in stage_text("source-web")
    assert "READYZ_CHECK_MODEL=false" in web
    assert any(keyword == "HEALTHCHECK" and "/healthz" in argument for keyword, argument in dockerfile_stages()["web"])


def test_the_ml_worker_image_adds_the_ml_requirements_and_the_model_to_web() -> None:
    worker = stage_text("worker-ml")

    assert worker.startswith("FROM web AS worker-ml")
    assert "-r requirements/ml.txt" in stage_text("wheels-ml")
    assert "from=wheels-ml" in worker and "-r /build/requirements/ml.txt" in worker
    assert "COPY --chown=app:app ml/artifacts /app/ml/artifacts" in worker
    assert worker.splitlines()[-1].startswith("CMD") and '"-Q", "ml"' in worker.splitlines()[-1]


def test_compose_builds_each_service_from_its_roles_target() -> None:
    services = compose()["services"]

    assert services["worker-ml"]["build"]["target"] == "worker-ml"
    assert {services[name]["build"]["target"] for name in WEB_IMAGE_SERVICES} == {"web"}
    assert {services[name]["image"] for name in WEB_IMAGE_SERVICES} == {"soundscapify-web:latest"}
    assert services["worker-ml"]["image"] == "soundscapify-worker-ml:latest"


@pytest.mark.parametrize("path", [
    "tests/conftest.py", "bench/load.py", ".ci/run", "scripts/start.sh", "docker/.env", "requirements/dev.txt",
    "README.md", "ml/RESULTS.md", "scenes/README.md", ".git/HEAD", ".venv/bin/python",
    "var/cache/features/esc50.npz", "ml/__pycache__/inference.cpython-311.pyc", "db.sqlite3",
    "catalog/spotify_tracks_11k.csv",
])
def test_dockerignore_keeps_development_files_docs_and_data_out(path: str) -> None:
    assert not sent_to_the_build(path)


@pytest.mark.parametrize("path", [
    "manage.py", "soundscapify/settings/base.py", "templates/base.html", "static/css/site.css",
    "constraints.txt", "requirements/base.txt", "requirements/ml.txt",
    "ml/artifacts/CURRENT", "ml/artifacts/yamnet-lstm-v1/model.keras", "ml/artifacts/yamnet-lstm-v1/ATTRIBUTION.md",
    "ml/artifacts/yamnet-lstm-v1/NOTICE-yamnet.md", "ml/artifacts/yamnet-lstm-v1/yamnet_class_map.csv",
    "ml/training/licenses/Apache-2.0.txt",
])
def test_dockerignore_sends_what_the_images_run(path: str) -> None:
    assert sent_to_the_build(path)
