from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from ml.errors import MetadataError
from ml.training.datasets import ESC50, TAU, TRAIN_ONLY_FOLD, parse_folds, read_metadata


def test_it_reads_the_esc50_layout(tmp_path: Path) -> None:
    meta = tmp_path / "esc50.csv"
    meta.write_text(
        "filename,fold,target,category,esc10,src_file,take\n"
        "1-1-A-1.flac,1,1,rooster,FALSE,1,A\n1-2-A-0.flac,2,0,dog,TRUE,2,A\n"
    )

    dataset = read_metadata(meta, tmp_path / "audio")

    assert dataset.layout == ESC50
    assert dataset.labels == ("dog", "rooster")  # in ESC-50 target order
    assert [(c.filename, c.label, c.fold) for c in dataset.clips] == [
        ("1-1-A-1.flac", "rooster", 1),
        ("1-2-A-0.flac", "dog", 2),
    ]
    assert dataset.clips[0].path == tmp_path / "audio" / "1-1-A-1.flac"
    assert [c.label for c in dataset.select({2})] == ["dog"]


def test_it_reads_the_tau_layout_with_folds_from_the_evaluation_setup(tmp_path: Path) -> None:
    meta = tmp_path / "meta.csv"
    meta.write_text(
        "filename\tscene_label\tidentifier\tsource_label\n"
        "audio/airport-a.wav\tairport\tbarcelona-0\ta\n"
        "audio/park-b.wav\tpark\thelsinki-1\ta\n"
        "audio/bus-c.wav\tbus\tlyon-2\ta\n"
    )
    setup = tmp_path / "evaluation_setup"
    setup.mkdir()
    (setup / "fold1_train.csv").write_text("filename\tscene_label\naudio/airport-a.wav\tairport\n")
    (setup / "fold1_evaluate.csv").write_text("filename\tscene_label\naudio/park-b.wav\tpark\n")
    (setup / "fold2_evaluate.csv").write_text("filename\naudio/bus-c.wav\n")

    dataset = read_metadata(meta, tmp_path)

    assert dataset.layout == TAU
    assert dataset.labels == ("airport", "bus", "park")
    assert {c.label: c.fold for c in dataset.clips} == {"airport": TRAIN_ONLY_FOLD, "park": 1, "bus": 2}


def test_an_unreadable_row_is_reported_with_its_line_number(tmp_path: Path) -> None:
    meta = tmp_path / "esc50.csv"
    meta.write_text("filename,fold,category\na.flac,1,dog\nb.flac,two,cat\n")

    with pytest.raises(MetadataError) as caught:
        read_metadata(meta, tmp_path)

    assert str(caught.value) == f"{meta}, line 3: fold 'two' is not a number"


@pytest.mark.parametrize(
    ("command", "options"),
    [
        ("train_scene_model", {"train_folds": "1", "output": "unused"}),
        ("evaluate_scene_model", {"folds": "1"}),
        ("crossvalidate_scene_model", {"folds": "1,2"}),
    ],
)
def test_each_ml_command_reports_an_unreadable_row_as_a_command_error(
    tmp_path: Path, command: str, options: dict[str, str]
) -> None:
    meta = tmp_path / "esc50.csv"
    meta.write_text("filename,fold,category\na.flac,1,dog\nb.flac,two,cat\n")

    with pytest.raises(CommandError) as caught:
        call_command(command, metadata=str(meta), audio_dir=str(tmp_path), **options)

    assert str(caught.value) == f"{meta}, line 3: fold 'two' is not a number"


def test_a_row_missing_its_label_is_reported_with_its_line_number(tmp_path: Path) -> None:
    meta = tmp_path / "meta.csv"
    meta.write_text("filename\tscene_label\na.wav\tpark\nb.wav\n")

    with pytest.raises(MetadataError, match=r"meta\.csv, line 3: a required field is empty"):
        read_metadata(meta, tmp_path)


def test_a_file_in_neither_layout_is_refused(tmp_path: Path) -> None:
    meta = tmp_path / "notes.txt"
    meta.write_text("just some notes\n")

    with pytest.raises(MetadataError, match="unknown metadata layout"):
        read_metadata(meta, tmp_path)


def test_folds_parse_from_a_comma_separated_list() -> None:
    assert parse_folds("1, 2,3") == {1, 2, 3}
