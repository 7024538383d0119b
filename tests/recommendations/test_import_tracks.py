from __future__ import annotations

import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from recommendations.models import Track

pytestmark = pytest.mark.django_db

KAGGLE_HEADER = (
    "genre,artist_name,track_name,track_id,popularity,acousticness,danceability,duration_ms,energy,"
    "instrumentalness,key,liveness,loudness,mode,speechiness,tempo,time_signature,valence\n"
)
KAGGLE = KAGGLE_HEADER + (
    "Jazz,Nina Simone,Feeling Good,0AAAAAAAAAAAAAAAAAAAAA,60,0.8,0.5,200000,0.3,0.01,C#,0.1,-9.5,Minor,0.04,95.0,4/4,0.4\n"
    "Soul,Nina Simone,Feeling Good,0AAAAAAAAAAAAAAAAAAAAA,60,0.8,0.5,200000,0.3,0.01,C#,0.1,-9.5,Minor,0.04,95.0,4/4,0.4\n"
    'Pop,"Crosby, Stills",Helplessly,1BBBBBBBBBBBBBBBBBBBBB,50,0.1,0.7,180000,0.9,0,A,0.2,-4.0,Major,0.05,128.0,4/4,0.8\n'
    "Pop,No Id,Missing,,50,0.1,0.7,180000,0.9,0,A,0.2,-4.0,Major,0.05,128.0,4/4,0.8\n"
    "Pop,Too Bright,Sunburn,2CCCCCCCCCCCCCCCCCCCCC,50,0.1,0.7,180000,1.4,0,A,0.2,-4.0,Major,0.05,128.0,4/4,0.8\n"
    "Pop,Cut Off,Trunc,3DDDDDDDDDDDDDDDDDDDDD,50,0.1\n"
    "Pop,Word,Nan,4EEEEEEEEEEEEEEEEEEEEE,50,0.1,0.7,180000,high,0,A,0.2,-4.0,Major,0.05,128.0,4/4,0.8\n"
)
TRACKS_11K = (
    "artist_name,track_name,track_id,popularity,acousticness,danceability,duration_ms,energy,instrumentalness,"
    "key,liveness,loudness,mode,speechiness,tempo,time_signature,valence\n"
    "Dorothée,Clic clac cloc,148uA2Y78xfxDiCNjgZA0v,1,0.513,0.855,183467,0.504,0.0,D,0.0778,-12.359,Major,0.0737,128.052,4,0.682\n"
    "Nobody,Valence missing,5FFFFFFFFFFFFFFFFFFFFF,1,0.5,0.8,183467,0.5,0.0,D,0.07,-12.3,Major,0.07,128.0,4,\n"
)
VALENCE_AROUSAL = (
    "id,genre,track_name,artist_name,valence,energy,label\n"
    "1dYGSsernyg8N0bMRgtO9Y,acoustic,I Was Only 19,Julia Stone,0.231,0.135,2\n"
    "7t8XsIXmzip7ZOdBm4OZtz,acoustic,Turn To You,Justin Bieber,-0.2,0.72,1\n"
)


def run(path: Path) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_tracks", str(path), "--no-progress", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_it_imports_the_kaggle_layout_and_reports_bad_rows_by_line(write_csv):
    out, err = run(write_csv(KAGGLE, bom=True))

    assert "line 5: missing track id" in err
    assert "line 6: energy out of range: 1.4" in err
    assert "line 7: truncated row: 6 of 18 columns" in err
    assert "line 8: energy is not a number: 'high'" in err
    assert "7 rows (kaggle-spotifyfeatures): 2 created, 0 updated, 0 unchanged, 4 rejected." in out
    feeling = Track.objects.get(spotify_id="0AAAAAAAAAAAAAAAAAAAAA")
    assert feeling.genres == ["Jazz", "Soul"]
    assert (feeling.key, feeling.mode, feeling.valence, feeling.tempo) == (1, 0, 0.4, 95.0)
    assert feeling.scored and feeling.source == "file:tracks.csv"
    assert Track.objects.get(spotify_id="1BBBBBBBBBBBBBBBBBBBBB").artists == ["Crosby, Stills"]


def test_importing_the_same_file_twice_changes_nothing(write_csv):
    path = write_csv(KAGGLE)
    run(path)
    before = list(Track.objects.order_by("spotify_id").values())

    out, _ = run(path)

    assert "0 created, 0 updated, 2 unchanged" in out
    assert list(Track.objects.order_by("spotify_id").values()) == before


def test_it_imports_the_11k_layout_without_genre(write_csv):
    out, err = run(write_csv(TRACKS_11K))

    assert "(kaggle-tracks): 1 created" in out
    assert "line 3: missing valence" in err
    track = Track.objects.get()
    assert (track.name, track.artists, track.key, track.mode, track.genres) == ("Clic clac cloc", ["Dorothée"], 2, 1, [])


def test_it_imports_the_valence_arousal_layout(write_csv):
    out, err = run(write_csv(VALENCE_AROUSAL))

    assert "(valence-arousal): 1 created" in out
    assert "line 3: valence out of range: -0.2" in err
    track = Track.objects.get()
    assert (track.valence, track.energy, track.genres, track.danceability) == (0.231, 0.135, ["acoustic"], None)


def test_a_later_file_without_a_feature_keeps_the_known_value(write_csv):
    run(write_csv(KAGGLE, "kaggle.csv"))
    run(write_csv("id,genre,track_name,artist_name,valence,energy,label\n0AAAAAAAAAAAAAAAAAAAAA,blues,Feeling Good,Nina Simone,0.45,0.3,1\n", "va.csv"))

    track = Track.objects.get(spotify_id="0AAAAAAAAAAAAAAAAAAAAA")
    assert (track.valence, track.danceability, track.genres) == (0.45, 0.5, ["Jazz", "Soul", "blues"])
    assert track.source == "file:kaggle.csv" and track.features_source == "file:va.csv"


def test_small_batches_give_the_same_result(write_csv):
    run(write_csv(KAGGLE))
    call_command("import_tracks", str(write_csv(KAGGLE, "again.csv")), "--no-progress", "--batch-size", "1", stdout=StringIO(), stderr=StringIO())

    assert Track.objects.count() == 2
    assert Track.objects.get(spotify_id="0AAAAAAAAAAAAAAAAAAAAA").genres == ["Jazz", "Soul"]


def test_it_refuses_an_unknown_header(write_csv):
    with pytest.raises(CommandError, match="Unrecognised header: name, colour"):
        run(write_csv("name,colour\nx,blue\n"))


def test_it_lists_only_the_first_rejected_rows_and_counts_the_rest(write_csv):
    rows = "".join("Pop,A,B,,1,0.1,0.7,1,0.9,0,A,0.2,-4.0,Major,0.05,128.0,4/4,0.8\n" for _ in range(5))
    out = StringIO()
    err = StringIO()
    call_command("import_tracks", str(write_csv(KAGGLE_HEADER + rows)), "--no-progress", "--max-reported", "2", stdout=out, stderr=err)

    assert err.getvalue().count("missing track id") == 2
    assert "... and 3 more rejected rows." in err.getvalue()
    assert "5 rejected. Rejected: missing track id (5)." in out.getvalue()


@pytest.mark.shared_data
@pytest.mark.parametrize(
    ("name", "layout", "rows"),
    [
        ("SpotifyFeatures_sample.csv", "kaggle-spotifyfeatures", 300),
        ("spotify_tracks_11k.csv", "kaggle-tracks", 11578),
        ("valence_arousal_dataset.csv", "valence-arousal", 2433),
    ],
)
def test_it_imports_the_real_catalog_files(shared_catalog, name, layout, rows):
    out, _ = run(shared_catalog / name)

    assert f"{rows} rows ({layout})" in out
    summary = re.search(r"(\d+) rejected", out)
    assert summary is not None
    rejected = int(summary.group(1))
    assert rejected <= rows // 100  # the real files are clean but for a couple of nameless rows
    assert Track.objects.filter(scored=True).count() == Track.objects.count() > 0
    again, _ = run(shared_catalog / name)
    assert " 0 created, 0 updated" in again
