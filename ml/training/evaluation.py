"""Metrics on clip-level probabilities: label accuracy, macro-F1, per-class recall, scene accuracy."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import confusion_matrix, f1_score, recall_score


@dataclass
class Evaluation:
    accuracy: float
    macro_f1: float
    scene_accuracy: float
    n_clips: int
    per_class_recall: dict[str, float]
    confusion: list[list[int]]
    labels: list[str]

    def summary(self) -> dict[str, Any]:
        return {
            "accuracy": self.accuracy,
            "macro_f1": self.macro_f1,
            "scene_accuracy": self.scene_accuracy,
            "n_clips": self.n_clips,
        }


def evaluate_probabilities(
    probs: np.ndarray, truth: np.ndarray, labels: list[str], label_to_scene: dict[str, str]
) -> Evaluation:
    """Score (n_clips, n_labels) probabilities against integer labels."""
    predicted = probs.argmax(axis=1)
    classes = np.arange(len(labels))
    recalls = recall_score(truth, predicted, labels=classes, average=None, zero_division=0)
    return Evaluation(
        accuracy=float((predicted == truth).mean()),
        macro_f1=float(f1_score(truth, predicted, labels=classes, average="macro", zero_division=0)),
        scene_accuracy=scene_accuracy(probs, truth, labels, label_to_scene),
        n_clips=int(len(truth)),
        per_class_recall={label: float(r) for label, r in zip(labels, recalls, strict=True)},
        confusion=confusion_matrix(truth, predicted, labels=classes).tolist(),
        labels=list(labels),
    )


def scene_accuracy(probs: np.ndarray, truth: np.ndarray, labels: list[str], label_to_scene: dict[str, str]) -> float:
    """Share of clips whose likeliest scene (sum of its labels' probabilities) is the true label's scene."""
    scenes = sorted(set(label_to_scene.values()))
    membership = np.zeros((len(labels), len(scenes)), dtype=np.float32)
    for i, label in enumerate(labels):
        membership[i, scenes.index(label_to_scene[label])] = 1.0
    predicted = (probs @ membership).argmax(axis=1)
    true_scene = membership[truth].argmax(axis=1)
    return float((predicted == true_scene).mean())


def plot_confusion(evaluation: Evaluation, path: str | Path, title: str = "") -> None:
    """Write the confusion matrix as a PNG (matplotlib without a display)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(evaluation.labels)
    size = max(6.0, n * 0.28)
    fig, ax = plt.subplots(figsize=(size, size))
    ax.imshow(np.asarray(evaluation.confusion), cmap="Blues")
    ax.set_xticks(range(n), evaluation.labels, rotation=90, fontsize=7)
    ax.set_yticks(range(n), evaluation.labels, fontsize=7)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title or f"accuracy {evaluation.accuracy:.3f}, n={evaluation.n_clips}")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
