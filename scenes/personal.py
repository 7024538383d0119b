"""Personal scenes: how a user's own examples lean the model's answer for a new clip.

An example is a clip the user corrected ("this is home"), kept as its front-end embedding.
Examples whose cosine similarity to the new clip reaches `similarity` count; they form a
personal distribution over scenes (each weighted by its similarity) that is blended with
the model's: weight n / (n + k) for n counting examples, so a few nudge and many decide.
Pure functions: no database, no settings (scenes/services/personal.py supplies both).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

EMBEDDING_DTYPE = np.float16


@dataclass(frozen=True)
class Example:
    scene: str
    embedding: np.ndarray  # unit length


@dataclass(frozen=True)
class Blend:
    probabilities: dict[str, float]
    scene: str  # the scene the examples lean to: the likeliest of the personal distribution
    examples: int  # how many examples counted
    weight: float  # the personal distribution's share of the blend


def embedding_to_bytes(embedding: np.ndarray) -> bytes:
    """Compact storage: float16, 2 bytes a dimension (2 KB for YAMNet's 1,024)."""
    return np.asarray(embedding, dtype=EMBEDDING_DTYPE).tobytes()


def embedding_from_bytes(data: bytes | memoryview) -> np.ndarray:
    return np.frombuffer(bytes(data), dtype=EMBEDDING_DTYPE).astype(np.float32)


def personal_weight(examples: int, k: float) -> float:
    """n / (n + k): 0 without examples, a half at n = k, towards 1 as they add up."""
    return examples / (examples + k) if examples > 0 else 0.0


def blend(
    probabilities: Mapping[str, float],
    embedding: np.ndarray,
    examples: Sequence[Example],
    *,
    similarity: float,
    k: float,
) -> Blend | None:
    """The model's `probabilities` leaned by the close `examples`; None when none is close.

    Examples of another dimension (another front end) never count.
    """
    close = _close(embedding, examples, similarity)
    if not close:
        return None
    personal = _personal_distribution(close)
    weight = personal_weight(len(close), k)
    scenes = set(probabilities) | set(personal)
    blended = {s: (1 - weight) * float(probabilities.get(s, 0.0)) + weight * personal.get(s, 0.0) for s in scenes}
    scene = max(personal, key=lambda s: (personal[s], s))
    return Blend(probabilities=blended, scene=scene, examples=len(close), weight=weight)


def _close(embedding: np.ndarray, examples: Sequence[Example], similarity: float) -> list[tuple[str, float]]:
    clip = _unit(embedding)
    close = []
    for example in examples:
        if example.embedding.shape != clip.shape:
            continue
        cosine = float(np.dot(clip, _unit(example.embedding)))
        if cosine >= similarity:
            close.append((example.scene, cosine))
    return close


def _personal_distribution(close: Sequence[tuple[str, float]]) -> dict[str, float]:
    totals: dict[str, float] = {}
    for scene, cosine in close:
        totals[scene] = totals.get(scene, 0.0) + cosine
    total = sum(totals.values())
    return {scene: value / total for scene, value in totals.items()}


def _unit(vector: np.ndarray) -> np.ndarray:
    # float16 storage moves the length off 1 by a little; cosine must not depend on it.
    vector = np.asarray(vector, dtype=np.float32)
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector
