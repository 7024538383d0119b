"""The "personal_examples" part of "Export my data" (registered in ScenesConfig.ready)."""
from __future__ import annotations

from typing import Any

from scenes.selectors import personal_example_list


def personal_examples_for_export(user: Any) -> list[dict[str, Any]]:
    """This user's examples: what they taught and where from, never the embedding itself."""
    return [
        {
            "scene": example.scene,
            "created_at": example.created_at.isoformat(),
            "recording": str(example.recording_id) if example.recording_id else None,
            "recording_name": example.source_name,
            "model_version": example.model_version,
        }
        for example in personal_example_list(user=user)
    ]
