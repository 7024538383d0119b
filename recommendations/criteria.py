"""The criteria table's rules: validation, the time-of-day energy band, blending scenes, and
deriving bands from a catalog the way the original proof of concept did.

Pure functions on plain numbers; the ORM stays in services and selectors.
"""
from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from itertools import pairwise
from pathlib import Path

import numpy as np

from recommendations import conf

FIELDS = ("valence_min", "valence_max", "energy_min", "energy_2nd", "energy_3rd", "energy_max")
BANDS = {"low": ("energy_min", "energy_2nd"), "mid": ("energy_2nd", "energy_3rd"), "high": ("energy_3rd", "energy_max")}

ERROR_RANGE = "Must be between 0 and 1."
ERROR_VALENCE_ORDER = "Valence min must not be above valence max."
ERROR_BAND_ORDER = "Energy bands must be in order: min ≤ 2nd ≤ 3rd ≤ max."


class CriteriaFileError(ValueError):
    """The criteria file cannot be read as the original's table."""


@dataclass(frozen=True)
class Box:
    valence_min: float
    valence_max: float
    energy_min: float
    energy_max: float

    @property
    def centre(self) -> tuple[float, float]:
        return ((self.valence_min + self.valence_max) / 2, (self.energy_min + self.energy_max) / 2)

    def widened(self, by: float) -> Box:
        return Box(
            max(0.0, self.valence_min - by), min(1.0, self.valence_max + by),
            max(0.0, self.energy_min - by), min(1.0, self.energy_max + by),
        )

    def as_dict(self) -> dict[str, float]:
        return {key: round(value, 4) for key, value in asdict(self).items()}


def criteria_errors(criteria: Mapping[str, float | None]) -> dict[str, str]:
    """Field -> message for each broken rule; empty when the row is valid.

    Order is checked between neighbouring values that are themselves in range, so one
    bad value does not hide another.
    """
    errors = {field: ERROR_RANGE for field in FIELDS if not _in_unit(criteria.get(field))}
    pairs = [("valence_min", "valence_max", ERROR_VALENCE_ORDER)] + [
        (low, high, ERROR_BAND_ORDER) for low, high in pairwise(FIELDS[2:])
    ]
    for low, high, message in pairs:
        if low not in errors and high not in errors and criteria[low] > criteria[high]:  # type: ignore[operator]
            errors.setdefault(high, message)
    return errors


def _in_unit(value: float | None) -> bool:
    return value is not None and 0.0 <= value <= 1.0


def band_for_hour(hour: int, rule: Sequence[tuple[int, str]] | None = None) -> str:
    """The energy band ("low", "mid" or "high") in use at a local hour (0-23).

    The rule lists (start hour, band); each band lasts until the next start, and the last
    wraps around midnight to the first.
    """
    rule = sorted(rule if rule is not None else conf.get("RECOMMENDATIONS_ENERGY_BANDS"))
    current = rule[-1][1]  # before the first start hour, the last band still runs
    for start, band in rule:
        if hour >= start:
            current = band
    if current not in BANDS:
        raise ValueError(f"Unknown energy band {current!r} in RECOMMENDATIONS_ENERGY_BANDS.")
    return current


def scene_box(criteria: Mapping[str, float], band: str) -> Box:
    low, high = BANDS[band]
    return Box(criteria["valence_min"], criteria["valence_max"], criteria[low], criteria[high])


def blend(weighted: Sequence[tuple[float, Mapping[str, float]]], band: str) -> Box:
    """The probability-weighted average of the scenes' boxes for a band.

    Raises ValueError on an empty list or zero total weight.
    """
    total = sum(weight for weight, _ in weighted)
    if not weighted or total <= 0:
        raise ValueError("Nothing to blend.")
    boxes = [(weight / total, scene_box(criteria, band)) for weight, criteria in weighted]
    return Box(*(sum(w * getattr(box, f) for w, box in boxes) for f in ("valence_min", "valence_max", "energy_min", "energy_max")))


def likely_scenes(probabilities: Mapping[str, float], known: set[str], min_share: float) -> dict[str, float]:
    """Known scenes that hold at least `min_share` of the known probability, renormalised.

    The top known scene always stays. Empty when no known scene has any probability.
    """
    usable = {scene: float(p) for scene, p in probabilities.items() if scene in known and float(p) > 0}
    total = sum(usable.values())
    if total <= 0:
        return {}
    top = max(usable, key=lambda scene: usable[scene])
    kept = {scene: p for scene, p in usable.items() if p / total >= min_share or scene == top}
    kept_total = sum(kept.values())
    return {scene: p / kept_total for scene, p in sorted(kept.items(), key=lambda item: -item[1])}


def derive(
    valence: np.ndarray, energy: np.ndarray, clusters: int, *, energy_split: str = "thirds", seed: int = 0
) -> list[dict[str, float]]:
    """Criteria per valence cluster, lowest valence first, as the original computed them.

    k-means on valence gives the clusters; per cluster, valence min/max and energy min,
    two inner cuts, max. The original's table cuts the energy range into thirds
    (min + (max-min)/3, min + 2(max-min)/3); "percentiles" uses the 33rd and 66th
    percentiles instead. Each dict also holds `track_count`.
    Raises ValueError when there are fewer distinct valences than clusters.
    """
    from sklearn.cluster import KMeans  # heavy import, needed only here

    if len(np.unique(valence)) < clusters:
        raise ValueError(f"The catalog needs at least {clusters} distinct valence values to make {clusters} bands.")
    fit_on = valence if len(valence) <= 200_000 else np.random.default_rng(seed).choice(valence, 200_000, replace=False)
    model = KMeans(n_clusters=clusters, n_init=10, random_state=seed).fit(fit_on.reshape(-1, 1))
    assignment = model.predict(valence.reshape(-1, 1))
    order = np.argsort(model.cluster_centers_.ravel())
    return [_cluster_criteria(valence[assignment == c], energy[assignment == c], energy_split) for c in order]


def _cluster_criteria(valence: np.ndarray, energy: np.ndarray, energy_split: str) -> dict[str, float]:
    low, high = float(energy.min()), float(energy.max())
    if energy_split == "percentiles":
        second, third = (float(np.percentile(energy, q)) for q in (33, 66))
    else:
        second, third = low + (high - low) / 3, low + 2 * (high - low) / 3
    return {
        "valence_min": float(valence.min()), "valence_max": float(valence.max()),
        "energy_min": low, "energy_2nd": second, "energy_3rd": third, "energy_max": high,
        "track_count": len(valence),
    }


def read_criteria_csv(path: Path) -> list[tuple[str, dict[str, float]]]:
    """(scene name, criteria) for each row of the original's `recommend_criteria.csv`.

    Raises CriteriaFileError naming the line of the first bad row.
    """
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = {"label", *FIELDS} - set(reader.fieldnames or [])
        if missing:
            raise CriteriaFileError(f"Missing columns: {', '.join(sorted(missing))}.")
        return [_criteria_row(row, reader.line_num) for row in reader]


def _criteria_row(row: dict[str, str], line: int) -> tuple[str, dict[str, float]]:
    name = (row["label"] or "").strip()
    if not name:
        raise CriteriaFileError(f"line {line}: missing label.")
    try:
        criteria = {field: float(row[field]) for field in FIELDS}
    except (TypeError, ValueError) as exc:
        raise CriteriaFileError(f"line {line}: {exc}.") from exc
    errors = criteria_errors(criteria)
    if errors:
        raise CriteriaFileError(f"line {line}: " + "; ".join(f"{k}: {v}" for k, v in errors.items()))
    return name, criteria
