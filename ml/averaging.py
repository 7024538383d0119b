"""Average finished artifacts into one ensemble artifact.

`train_scene_model --ensemble N` trains its networks one after the other on one process.
Networks of the same recipe that differ only in seed can instead be trained side by side
(one per core or per machine) and averaged here: the result is the artifact that
`--ensemble` would have written, with each member's own training record kept.

Networks of different recipes can be mixed when their features differ only in a hop that
is a whole multiple of the finest one (20-ms and 40-ms frames): the ensemble reads the
finest frames and hands each coarser member every k-th one (`ml.model.average_of`).

A member may itself be an ensemble (a shipped model, say): it counts as many times as it has
networks, so adding a third network to a pair needs neither of the pair retrained.
Imports TensorFlow: only for commands, never at start-up.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ml.artifacts import ModelMetadata, verify_artifact, write_artifact
from ml.errors import ModelArtifactError

# What members must share for their mean to be one model: the same labels, scenes and data.
SHARED_FIELDS = ("labels", "label_to_scene", "test_time_shifts", "scenes", "data")
MISMATCH_MESSAGE = "Cannot average {path} with {first}: their {what} differ."
SEED_MESSAGE = (
    "{path} is {arch} with seed {seed}, like an earlier model: averaging a network with its twin adds nothing."
)
COUNT_MESSAGE = "Averaging needs at least two models, got {count}."


def average_artifacts(model_dirs: list[Path], output: Path, *, version: str | None = None) -> Path:
    """Write the artifact whose network is the mean of the networks in `model_dirs`; raises ModelArtifactError."""
    import keras

    from ml.model import average_of, refuse_over_budget
    from ml.training import save_inference_model

    members = [_verified(path) for path in model_dirs]
    metadatas = [metadata for _, _, metadata in members]
    _check_members(members)
    strides = _frame_strides(members)
    networks = [keras.models.load_model(weights, compile=False) for _, weights, _ in members]
    counts = [len(_network_records(metadata)) for metadata in metadatas]
    try:  # counted on the networks themselves: an artifact's arch names a recipe, not a network
        refuse_over_budget(sum(n.count_params() for n in networks), f"{sum(counts)} {_arch(metadatas)} networks")
    except ValueError as exc:
        raise ModelArtifactError(str(exc)) from exc
    model = average_of(networks, strides, weights=counts)
    metadata = _ensemble_metadata(metadatas, version or output.name, model.count_params())
    attribution = members[0][0] / "ATTRIBUTION.md"
    extra = {attribution.name: attribution.read_text(encoding="utf-8")} if attribution.is_file() else {}
    return write_artifact(output, metadata, lambda path: save_inference_model(model, path), extra)


def _verified(path: Path) -> tuple[Path, Path, ModelMetadata]:
    weights, metadata = verify_artifact(path)
    return weights.parent, weights, metadata


def _check_members(members: list[tuple[Path, Path, ModelMetadata]]) -> None:
    if len(members) < 2:
        raise ModelArtifactError(COUNT_MESSAGE.format(count=len(members)))
    first_dir, _, first = members[0]
    first_recipes: dict[str, dict[str, Any]] = {}
    networks: set[tuple[str, int | None]] = set()
    for path, _, metadata in members:
        for what in SHARED_FIELDS:
            if getattr(metadata, what) != getattr(first, what):
                raise ModelArtifactError(MISMATCH_MESSAGE.format(path=path, first=first_dir, what=what))
        # Seeds of one arch are one recipe; different archs are different recipes by design.
        for arch, recipe in _recipes_by_arch(metadata).items():
            if recipe != first_recipes.setdefault(arch, recipe):
                raise ModelArtifactError(MISMATCH_MESSAGE.format(path=path, first=first_dir, what="training recipes"))
        for record in _network_records(metadata):
            network = (record["arch"], record["seed"])
            if network in networks:
                raise ModelArtifactError(SEED_MESSAGE.format(path=path, arch=network[0], seed=network[1]))
            networks.add(network)


def _network_records(metadata: ModelMetadata) -> list[dict[str, Any]]:
    """One record (version, arch, seed, weights_sha256) per network in a model: itself, or each one it averages."""
    seeds = metadata.training.get("seeds") or [metadata.training.get("seed")]
    averaged = metadata.training.get("averaged_from")
    if not averaged:  # a single network, or an ensemble trained in one run: one arch, consecutive seeds
        own = {"version": metadata.version, "arch": metadata.arch, "weights_sha256": metadata.weights_sha256}
        return [{**own, "seed": seed} for seed in seeds]
    # Records written before they named arch and seed are of a one-arch average, in the order of its seeds.
    return [{"arch": metadata.arch, "seed": seed, **record} for record, seed in zip(averaged, seeds, strict=True)]


def _recipes_by_arch(metadata: ModelMetadata) -> dict[str, dict[str, Any]]:
    """Each arch's recipe record in a model, without its network count: what seeds of one recipe share."""
    recipe = metadata.training.get("recipe", {})
    records = recipe["mixed"] if "mixed" in recipe else [{**recipe, "epochs": metadata.training.get("epochs")}]
    # _arch joins a mix's archs in the order its records follow (_ensemble_recipe).
    archs = metadata.arch.split("+")
    return {
        arch: {key: value for key, value in record.items() if key != "ensemble"}
        for arch, record in zip(archs, records, strict=True)
    }


def _frame_strides(members: list[tuple[Path, Path, ModelMetadata]]) -> list[int]:
    """Each member's step through the finest member's frames; refuses features that are not such a step."""
    finest = min((metadata.features for _, _, metadata in members), key=lambda params: params.hop_length)
    strides = []
    for path, _, metadata in members:
        params = metadata.features
        stride, remainder = divmod(params.hop_length, finest.hop_length)
        if remainder or params != replace(finest, hop_length=params.hop_length):
            raise ModelArtifactError(MISMATCH_MESSAGE.format(path=path, first=members[0][0], what="feature_params"))
        strides.append(stride)
    return strides


def _arch(members: list[ModelMetadata]) -> str:
    """The ensemble's arch: its networks' archs in order of appearance, joined by '+' where they differ."""
    return "+".join(dict.fromkeys(record["arch"] for m in members for record in _network_records(m)))


def _ensemble_metadata(members: list[ModelMetadata], version: str, n_params: int) -> ModelMetadata:
    from ml.training import library_versions

    first = members[0]
    networks = [record for m in members for record in _network_records(m)]
    finest = min(members, key=lambda m: m.features.hop_length)  # what the ensemble reads
    epochs = {m.training.get("epochs") for m in members}
    # The fields _check_members found equal come from the first member as they are.
    return replace(
        first,
        version=version,
        arch=_arch(members),
        feature_params=finest.feature_params,
        weights_sha256="",
        metrics={
            # The members were validated one by one (or not at all); their mean was not.
            "validation": None,
            "members_validation": [
                value for m in members for value in m.metrics.get("members_validation") or [m.metrics.get("validation")]
            ],
            "final_train_loss": _mean(
                [m.metrics.get("final_train_loss") for m in members for _ in _network_records(m)]
            ),
        },
        training={
            "seed": min(record["seed"] for record in networks),
            "seeds": [record["seed"] for record in networks],
            "epochs": epochs.pop() if len(epochs) == 1 else None,
            "seconds": round(sum(m.training.get("seconds", 0.0) for m in members), 1),
            "recipe": _ensemble_recipe(members),
            "n_params": n_params,
            "aggregation": first.training.get("aggregation"),
            "averaged_from": networks,
        },
        library_versions=library_versions(),
        attribution=first.attribution,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )


def _ensemble_recipe(members: list[ModelMetadata]) -> dict[str, Any]:
    """One recipe's record with the ensemble's size; for a mix, each arch's record with its own count."""
    by_arch: dict[str, dict[str, Any]] = {}
    for m in members:
        for arch, recipe in _recipes_by_arch(m).items():
            by_arch.setdefault(arch, {**recipe, "ensemble": 0})
        for record in _network_records(m):
            by_arch[record["arch"]]["ensemble"] += 1
    if len(by_arch) == 1:
        return next(iter(by_arch.values()))
    return {"ensemble": sum(r["ensemble"] for r in by_arch.values()), "mixed": list(by_arch.values())}


def _mean(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else None
