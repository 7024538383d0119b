from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from ml.training.datasets import TAU, read_metadata
from recommendations.services.feedback import scene_correction_set
from tests.recommendations.factories import RecordingFactory

pytestmark = pytest.mark.django_db


def test_export_feedback_writes_tau_metadata_the_training_command_reads(tmp_path, media_root, user):
    kept = RecordingFactory.create(user=user, file="recordings/1/a.wav")
    gone = RecordingFactory.create(user=user, file="")
    scene_correction_set(user=user, recording=kept, scene="seaside")
    scene_correction_set(user=user, recording=gone, scene="home")
    (media_root / "recordings" / "1").mkdir(parents=True)
    (media_root / "recordings" / "1" / "a.wav").write_bytes(b"RIFF")
    out = StringIO()

    call_command("export_feedback", str(tmp_path / "meta.csv"), stdout=out)

    assert (tmp_path / "meta.csv").read_text() == "filename\tscene_label\nrecordings/1/a.wav\tseaside\n"
    assert "Wrote 1 corrections" in out.getvalue() and "skipped 1 without audio" in out.getvalue()
    dataset = read_metadata(tmp_path / "meta.csv", media_root)
    assert dataset.layout == TAU and dataset.labels == ("seaside",)
    assert dataset.clips[0].path == media_root / "recordings" / "1" / "a.wav"
