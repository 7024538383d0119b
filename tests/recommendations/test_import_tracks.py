from __future__ import annotations

import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from recommendations.catalog.columns import UNMAPPED_HEADER
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

# The Kaggle "tracks dataset": an unnamed index column, artists joined by ";", a track once per genre.
TRACKS_DATASET = (
    ",track_id,artists,album_name,track_name,popularity,duration_ms,explicit,danceability,energy,key,loudness,mode,"
    "speechiness,acousticness,instrumentalness,liveness,valence,tempo,time_signature,track_genre\n"
    "0,5SuOikwiRyPMVoIQDJUgSV,Gen Hoshino,Comedy,Comedy,73,230666,False,0.676,0.461,1,-6.746,0,0.143,0.0322,"
    "1.01e-06,0.358,0.715,87.917,4,acoustic\n"
    "1,4qPNDBW1i3p13qLCt0Ki3A,Ben Woodward;Kina Grannis,Ghost (Acoustic),Ghost - Acoustic,55,149610,True,0.42,"
    "0.166,1,-17.235,1,0.0763,0.924,5.56e-06,0.101,0.267,77.489,4,acoustic\n"
    "2,5SuOikwiRyPMVoIQDJUgSV,Gen Hoshino,,Comedy,73,230666,False,0.7,0.461,1,-6.746,0,0.143,0.0322,"
    "1.01e-06,0.358,0.715,87.917,4,j-pop\n"
    "3,6AAAAAAAAAAAAAAAAAAAAA,Nobody,Odd,Odd,1,1000,maybe,0.5,0.5,1,-6,0,0.1,0.1,0,0.1,0.5,90,4,pop\n"
)
# A public mood-labelled dataset: `length` in ms, `release_date`, the artist in `artist`.
MOODS = (
    "name,album,artist,id,release_date,popularity,length,danceability,acousticness,energy,instrumentalness,"
    "liveness,valence,loudness,speechiness,tempo,key,time_signature,mood\n"
    "1999,1999,Prince,2H7PHVdQ3mXqEHXcvclTB0,1982-10-27,68,379266,0.866,0.137,0.73,0.0,0.0843,0.625,-8.201,"
    "0.0767,118.523,5,4,Happy\n"
    "23,23,Blonde Redhead,4HIwL9ii9CcXpTOTzMq0MP,2007,43,318800,0.381,0.0189,0.832,0.196,0.153,0.166,-5.069,"
    "0.0492,120.255,8,4,Sad\n"
    "Late,Late,Someone,7AAAAAAAAAAAAAAAAAAAAA,22/10/2007,1,1000,0.5,0.5,0.5,0,0.1,0.5,-6,0.1,90,1,4,Calm\n"
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
    assert "Columns: track id <- track_id, name <- track_name, artists <- artist_name, genres <- genre, " in out
    assert "7 rows: 2 created, 0 updated, 0 unchanged, 4 rejected." in out
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

    assert "0 created, 0 updated, 2 unchanged, 4 rejected. Rejected:" in out
    assert out.rstrip().endswith("Nothing changed: the catalog already holds this file.")
    assert list(Track.objects.order_by("spotify_id").values()) == before


def test_it_imports_the_11k_layout_without_genre(write_csv):
    out, err = run(write_csv(TRACKS_11K))

    assert "2 rows: 1 created, 0 updated, 0 unchanged, 1 rejected." in out
    assert "genres <-" not in out
    assert "line 3: missing valence" in err
    track = Track.objects.get()
    assert (track.name, track.artists, track.key, track.mode, track.genres) == ("Clic clac cloc", ["Dorothée"], 2, 1, [])


def test_it_imports_the_valence_arousal_layout(write_csv):
    out, err = run(write_csv(VALENCE_AROUSAL))

    assert out.startswith("Columns: track id <- id, name <- track_name, artists <- artist_name, genres <- genre, valence <- valence, energy <- energy\n")
    assert "2 rows: 1 created" in out
    assert "line 3: valence out of range: -0.2" in err
    track = Track.objects.get()
    assert (track.valence, track.energy, track.genres, track.danceability) == (0.231, 0.135, ["acoustic"], None)


def test_it_imports_the_kaggle_tracks_dataset_layout(write_csv):
    out, err = run(write_csv(TRACKS_DATASET))

    assert out.startswith(
        "Columns: track id <- track_id, name <- track_name, artists <- artists, album <- album_name, "
        "genres <- track_genre, duration <- duration_ms, valence <- valence, energy <- energy, "
    )
    assert "explicit <- explicit\n" in out
    assert "4 rows: 2 created, 0 updated, 0 unchanged, 1 rejected." in out
    assert "line 5: explicit not understood: 'maybe'" in err
    comedy = Track.objects.get(spotify_id="5SuOikwiRyPMVoIQDJUgSV")
    # The repeated id adds its genre, keeps the album it does not repeat, and its new danceability wins.
    assert (comedy.genres, comedy.album, comedy.danceability, comedy.explicit) == (["acoustic", "j-pop"], "Comedy", 0.7, False)
    ghost = Track.objects.get(spotify_id="4qPNDBW1i3p13qLCt0Ki3A")
    assert (ghost.artists, ghost.explicit, ghost.instrumentalness) == (["Ben Woodward", "Kina Grannis"], True, 5.56e-06)


def test_it_imports_the_mood_dataset_layout(write_csv):
    out, err = run(write_csv(MOODS))

    assert out.startswith(
        "Columns: track id <- id, name <- name, artists <- artist, album <- album, duration <- length, "
    )
    assert "release year <- release_date\n" in out
    assert "3 rows: 2 created, 0 updated, 0 unchanged, 1 rejected." in out
    assert "line 4: release date not understood: '22/10/2007'" in err
    prince = Track.objects.get(spotify_id="2H7PHVdQ3mXqEHXcvclTB0")
    assert (prince.name, prince.artists, prince.duration_ms, prince.release_year, prince.key) == ("1999", ["Prince"], 379266, 1982, 5)
    assert Track.objects.get(spotify_id="4HIwL9ii9CcXpTOTzMq0MP").release_year == 2007


def test_it_reads_track_ids_from_uris_and_links(write_csv):
    run(write_csv(
        "uri,name,artists,valence,energy\n"
        "spotify:track:1dYGSsernyg8N0bMRgtO9Y,A,X,0.1,0.2\n"
        "https://open.spotify.com/intl-de/track/7t8XsIXmzip7ZOdBm4OZtz?si=abc,B,Y,0.3,0.4\n"
    ))

    assert sorted(Track.objects.values_list("spotify_id", flat=True)) == ["1dYGSsernyg8N0bMRgtO9Y", "7t8XsIXmzip7ZOdBm4OZtz"]


def test_list_cells_give_several_artists_and_genres_but_a_comma_does_not(write_csv):
    run(write_csv(
        "id,name,artists,genres,valence,energy\n"
        "1dYGSsernyg8N0bMRgtO9Y,A,\"['Simon', 'Garfunkel']\",\"[\"\"folk\"\", \"\"rock\"\"]\",0.1,0.2\n"
        "7t8XsIXmzip7ZOdBm4OZtz,B,\"Crosby, Stills\",[dunkelbunt],0.3,0.4\n"
    ))

    first, second = Track.objects.order_by("spotify_id")
    assert (first.artists, first.genres) == (["Simon", "Garfunkel"], ["folk", "rock"])
    assert (second.artists, second.genres) == (["Crosby, Stills"], ["[dunkelbunt]"])


def test_cells_python_reads_but_postgresql_would_not_still_import(write_csv):
    out, _ = run(write_csv(
        "id,name,artists,valence,energy,tempo\n"
        "1dYGSsernyg8N0bMRgtO9Y,Nul\x00l,\"['A\\x00B']\",0.1,0.2,1_20\n"
        "7t8XsIXmzip7ZOdBm4OZtz,Digits,X,٠.٥,0.4, 98.5 \n"
    ))

    assert "2 created" in out
    first, second = Track.objects.order_by("spotify_id")
    assert (first.name, first.artists, first.tempo) == ("Null", ["AB"], 120.0)
    assert (second.valence, second.tempo) == (0.5, 98.5)


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


def test_batches_of_one_row_give_the_tracks_and_counts_of_one_pass(write_csv):
    # Outside PostgreSQL (one pass in SQL there) a file goes in batches: repeated ids meet
    # across them here.
    first = import_rows(write_csv(KAGGLE))
    changed = KAGGLE_HEADER + (
        "Blues,Nina Simone,Feeling Good,0AAAAAAAAAAAAAAAAAAAAA,60,0.8,0.5,200000,0.3,0.01,C#,0.1,-9.5,Minor,0.04,95.0,4/4,0.45\n"
        'Pop,"Crosby, Stills",Helplessly,1BBBBBBBBBBBBBBBBBBBBB,50,0.1,0.7,180000,0.9,0,A,0.2,-4.0,Major,0.05,128.0,4/4,0.8\n'
        "Jazz,Nina Simone,Feeling Good,0AAAAAAAAAAAAAAAAAAAAA,60,0.8,,200000,0.3,0.01,C#,0.1,-9.5,Minor,0.04,95.0,4/4,0.45\n"
    )
    second = import_rows(write_csv(changed))  # the same file name: an unchanged row stays unchanged

    assert "7 rows: 2 created, 0 updated, 0 unchanged, 4 rejected." in first
    assert "3 rows: 0 created, 1 updated, 1 unchanged, 0 rejected." in second
    feeling = Track.objects.get(spotify_id="0AAAAAAAAAAAAAAAAAAAAA")
    assert (feeling.genres, feeling.valence, feeling.danceability) == (["Jazz", "Soul", "Blues"], 0.45, 0.5)


def import_rows(path: Path) -> str:
    out = StringIO()
    call_command("import_tracks", str(path), "--no-progress", "--batch-size", "1", stdout=out, stderr=StringIO())
    return out.getvalue()


def test_it_refuses_a_header_without_the_required_fields_and_names_them(write_csv):
    with pytest.raises(CommandError) as refused:
        run(write_csv("name,colour,energy\nx,blue,0.5\n"))

    assert str(refused.value) == UNMAPPED_HEADER.format(header="name, colour, energy", missing="track id, valence")


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
    ("name", "columns", "rows"),
    [
        ("SpotifyFeatures_sample.csv", "name <- track_name, artists <- artist_name, genres <- genre,", 300),
        ("spotify_tracks_11k.csv", "name <- track_name, artists <- artist_name, duration <- duration_ms,", 11578),
        ("valence_arousal_dataset.csv", "name <- track_name, artists <- artist_name, genres <- genre,", 2433),
    ],
)
def test_it_imports_the_real_catalog_files(shared_catalog, name, columns, rows):
    out, _ = run(shared_catalog / name)

    assert columns in out
    assert f"{rows} rows:" in out
    summary = re.search(r"(\d+) rejected", out)
    assert summary is not None
    rejected = int(summary.group(1))
    assert rejected <= rows // 100  # the real files are clean but for a couple of nameless rows
    assert Track.objects.filter(scored=True).count() == Track.objects.count() > 0
    again, _ = run(shared_catalog / name)
    assert " 0 created, 0 updated" in again and "Nothing changed" in again


def test_an_artwork_column_fills_the_album_image_and_a_bad_one_leaves_only_the_artwork_out(write_csv):
    out, _ = run(write_csv(
        "track_id,track_name,artist_name,valence,energy,album_image\n"
        "0AAAAAAAAAAAAAAAAAAAAA,Feeling Good,Nina Simone,0.4,0.3,https://i.scdn.co/image/ab67616d00001e02aaaa\n"
        "1BBBBBBBBBBBBBBBBBBBBB,Plain Http,Someone,0.5,0.5,http://example.com/cover.jpg\n"
    ))

    assert "artwork <- album_image" in out and "2 rows: 2 created" in out
    images = dict(Track.objects.values_list("spotify_id", "image_url"))
    assert images == {"0AAAAAAAAAAAAAAAAAAAAA": "https://i.scdn.co/image/ab67616d00001e02aaaa", "1BBBBBBBBBBBBBBBBBBBBB": ""}
    run(write_csv("track_id,track_name,artist_name,valence,energy\n0AAAAAAAAAAAAAAAAAAAAA,Feeling Good,Nina Simone,0.4,0.3\n", "later.csv"))
    assert Track.objects.get(spotify_id="0AAAAAAAAAAAAAAAAAAAAA").image_url == "https://i.scdn.co/image/ab67616d00001e02aaaa"
