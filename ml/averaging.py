"""Average finished artifacts into one ensemble artifact.

`train_scene_model --ensemble N` trains its networks one after the other on one process.
Networks of the same recipe that differ only in seed can instead be trained side by side
(one per core or per machine) and averaged here: the result is the artifact that
`--ensemble` would have written, with each member's own training record kept.

Networks of different recipes can be mixed when their features differ only in a hop that
is a whole multiple of the finest one (20-ms and 40-ms frames): the ensemble reads the
finest frames and hands each coarser member every k-th one (`ml.model.average_of`).
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
NESTED_MESSAGE = "{path} is already an average of {count} networks; average single networks."
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
    try:  # counted on the networks themselves: an artifact's arch names a recipe, not a network
        refuse_over_budget(sum(n.count_params() for n in networks), f"{len(networks)} {_arch(metadatas)} networks")
    except ValueError as exc:
        raise ModelArtifactError(str(exc)) from exc
    model = average_of(networks, strides)
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
    first_of_arch: dict[str, ModelMetadata] = {}
    seeds: set[tuple[str, int | None]] = set()
    for path, _, metadata in members:
        if len(metadata.training.get("seeds", [])) > 1:
            raise ModelArtifactError(NESTED_MESSAGE.format(path=path, count=len(metadata.training["seeds"])))
        for what in SHARED_FIELDS:
            if getattr(metadata, what) != getattr(first, what):
                raise ModelArtifactError(MISMATCH_MESSAGE.format(path=path, first=first_dir, what=what))
        # Seeds of one arch are one recipe; different archs are different recipes by design.
        same_arch = first_of_arch.setdefault(metadata.arch, metadata)
        if _recipe_but_seed(metadata) != _recipe_but_seed(same_arch):
            raise ModelArtifactError(MISMATCH_MESSAGE.format(path=path, first=first_dir, what="training recipes"))
        seed = (metadata.arch, metadata.training.get("seed"))
        if seed in seeds:
            raise ModelArtifactError(SEED_MESSAGE.format(path=path, arch=seed[0], seed=seed[1]))
        seeds.add(seed)


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
    """The ensemble's arch: its members' archs in order of appearance, joined by '+' where they differ."""
    return "+".join(dict.fromkeys(metadata.arch for metadata in members))


def _recipe_but_seed(metadata: ModelMetadata) -> dict[str, Any]:
    return {**metadata.training.get("recipe", {}), "epochs": metadata.training.get("epochs")}


def _ensemble_metadata(members: list[ModelMetadata], version: str, n_params: int) -> ModelMetadata:
    from ml.training import library_versions

    first = members[0]
    seeds = [m.training["seed"] for m in members]
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
            "members_validation": [m.metrics.get("validation") for m in members],
            "final_train_loss": _mean([m.metrics.get("final_train_loss") for m in members]),
        },
        training={
            "seed": min(seeds),
            "seeds": seeds,
            "epochs": epochs.pop() if len(epochs) == 1 else None,
            "seconds": round(sum(m.training.get("seconds", 0.0) for m in members), 1),
            "recipe": _ensemble_recipe(members),
            "n_params": n_params,
            "aggregation": first.training.get("aggregation"),
            "averaged_from": [
                {"version": m.version, "arch": m.arch, "weights_sha256": m.weights_sha256} for m in members
            ],
        },
        library_versions=library_versions(),
        attribution=first.attribution,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )


def _ensemble_recipe(members: list[ModelMetadata]) -> dict[str, Any]:
    """One recipe's record with the ensemble's size; for a mix, each arch's record with its own count."""
    by_arch: dict[str, dict[str, Any]] = {}
    for m in members:
        record = by_arch.setdefault(m.arch, {**m.training.get("recipe", {}), "ensemble": 0})
        record["ensemble"] += 1
    if len(by_arch) == 1:
        return next(iter(by_arch.values()))
    return {"ensemble": len(members), "mixed": list(by_arch.values())}


def _mean(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else None
