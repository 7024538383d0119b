"""What a result says: the headline agrees with the timeline, the timeline is an SVG chart of
the mixture, and scenes go by their display names."""
from __future__ import annotations

import re
from typing import Any

import pytest

from scenes.charts import OTHER, STRIP_GAP, STRIP_HEIGHT, VIEW_HEIGHT, VIEW_WIDTH, time_ticks, timeline_chart
from scenes.labels import scene_display_name
from scenes.models import Recording, SceneResult
from scenes.selectors import timeline_segments
from scenes.story import headline, scene_shares
from tests.recommendations.factories import RecordingFactory


def windows(*scenes: str, hop: float = 2.5, length: float = 5.0, mix: float = 0.7) -> list[dict[str, Any]]:
    """A timeline of overlapping windows, each led by its scene with `mix` of the probability."""
    timeline = []
    for index, scene in enumerate(scenes):
        others = {s: (1 - mix) / 2 for s in ("street", "transit", "rain") if s != scene}
        start = index * hop
        timeline.append({"start_s": start, "end_s": start + length, "top_scene": scene, "scenes": {scene: mix, **others}})
    return timeline


def said(*scenes: str) -> str:
    timeline = windows(*scenes)
    return headline(timeline_segments(timeline), timeline[0]["top_scene"]).text


def test_one_scene_all_along_reads_it_sounds_like() -> None:
    assert said("rain", "rain", "rain") == "It sounds like Rain"


def test_without_a_timeline_the_clips_top_scene_speaks() -> None:
    assert headline([], "work_study").text == "It sounds like Work & study"


def test_a_clip_that_changes_scene_says_so_mostly_the_first() -> None:
    assert said("street", "street", "street", "transit", "transit") == "Mostly street, then transit"


def test_a_clip_that_changes_scene_says_so_mostly_the_last() -> None:
    assert said("street", "transit", "transit", "transit") == "Street, then mostly transit"


def test_a_passing_sound_is_not_a_change_of_scene() -> None:
    # One window of transit in twelve (a seventh of the time): still mostly street.
    assert said(*["street"] * 6, "transit", *["street"] * 5) == "Mostly street"


def test_a_scene_that_comes_and_goes_is_some_of_it() -> None:
    assert said("street", "street", "transit", "transit", "street", "street", "street") == "Mostly street, with some transit"


def test_a_scene_between_two_of_another_is_named_with_them() -> None:
    assert said("street", "transit", "transit", "transit", "transit", "street") == "Mostly transit, with street before and after"


def test_the_headline_uses_display_names_in_the_sentence() -> None:
    assert said("work_study", "work_study", "work_study", "street") == "Mostly work & study, then street"


def test_scene_shares_are_likeliest_first_with_ties_by_name_and_no_zeros() -> None:
    shares = scene_shares({"street": 0.2, "rain": 0.597, "home": 0.2, "social": 0.003, "nature": 0.0})

    assert [(s.scene, s.probability) for s in shares] == [("rain", 0.597), ("home", 0.2), ("street", 0.2)]


def test_display_names_never_show_a_slug() -> None:
    assert [scene_display_name(s) for s in ("work_study", "rain", "street_traffic")] == ["Work & study", "Rain", "Street traffic"]


def test_the_chart_stacks_each_windows_mixture_to_the_full_height() -> None:
    timeline = windows("street", "street", "transit")
    chart = timeline_chart(timeline, timeline_segments(timeline), ["street", "transit", "rain"])

    assert chart is not None
    area = VIEW_HEIGHT - STRIP_HEIGHT - STRIP_GAP
    for column in chart.columns:
        assert sum(r.height for r in column.rects) == pytest.approx(area, abs=0.01)
        assert column.rects[0].scene == "street"  # the likeliest scene at the bottom of every column
        assert min(r.y for r in column.rects) == pytest.approx(STRIP_HEIGHT + STRIP_GAP, abs=0.01)
    # Columns run until the next window starts, the last to its end: no overlap, no gap.
    assert [(c.rects[0].x, c.rects[0].width) for c in chart.columns] == [(0.0, 250.0), (250.0, 250.0), (500.0, 500.0)]
    assert [(r.scene, r.x, r.width) for r in chart.strip] == [("street", 0.0, 500.0), ("transit", 500.0, 500.0)]
    assert chart.scenes == ["street", "transit", "rain"] and chart.view_width == VIEW_WIDTH


def test_scenes_too_faint_to_see_are_drawn_together_as_other() -> None:
    timeline = [
        {"start_s": 0.0, "end_s": 5.0, "top_scene": "rain", "scenes": {"rain": 0.9, "home": 0.04, "social": 0.03, "street": 0.03}},
        {"start_s": 2.5, "end_s": 7.5, "top_scene": "rain", "scenes": {"rain": 0.8, "home": 0.2, "social": 0.0, "street": 0.0}},
    ]
    chart = timeline_chart(timeline, timeline_segments(timeline), ["rain", "home", "social", "street"])

    assert chart is not None
    assert chart.scenes == ["rain", "home", OTHER]
    first = {r.scene: r.share for r in chart.columns[0].rects}
    assert first["rain"] == pytest.approx(0.9) and first[OTHER] == pytest.approx(0.06)


def test_the_time_axis_has_round_times_and_the_length_at_the_end() -> None:
    ticks = time_ticks(30.0)

    assert [(t.seconds, t.end) for t in ticks] == [(s, False) for s in (0.0, 5.0, 10.0, 15.0, 20.0, 25.0)] + [(30.0, True)]
    assert [t.left_percent for t in ticks[:3]] == [0.0, 16.67, 33.33]
    assert [t.seconds for t in time_ticks(12.5)] == [0.0, 5.0, 10.0, 12.5]
    assert [t.seconds for t in time_ticks(11.0)][-2:] == [8.0, 11.0]  # 10 s would run into 0:11


@pytest.mark.django_db
def test_the_result_page_draws_the_timeline_as_svg_and_agrees_with_it(client, user) -> None:
    recording = RecordingFactory.create(user=user, scenes={"street": 0.55, "transit": 0.3, "work_study": 0.15})
    timeline = windows("street", "street", "street", "transit", "transit")
    SceneResult.objects.filter(recording=recording).update(timeline=timeline)
    client.force_login(user)

    html = client.get(f"/scenes/{recording.pk}/").content.decode()

    assert re.search(r'<h1 id="headline" data-scenes="street transit">Mostly street, then transit</h1>', html)
    assert "<title>Mostly street, then transit · SoundScapify</title>" in html
    svg = re.search(r"<svg class=\"timeline-svg\".*?</svg>", html, re.S)
    assert svg is not None
    strip = re.findall(r'<rect data-scene="(\w+)"[^>]*style="fill: var\(--scene-(\w+)\)"><title>', svg.group(0))
    assert strip[:2] == [("street", "street"), ("transit", "transit")]
    assert len(re.findall(r"<g data-start=", svg.group(0))) == 5
    assert "0:00 to 0:08: Street; 0:08 to 0:15: Transit" in svg.group(0)  # the description a screen reader reads
    assert "Work &amp; study" in html and "work_study<" not in html and ">work_study" not in html


@pytest.mark.django_db
def test_the_result_page_says_what_the_user_corrected_the_scene_to(client, user) -> None:
    from recommendations.services.feedback import scene_correction_set

    recording = RecordingFactory.create(user=user, scenes={"rain": 0.9, "nature": 0.1})
    scene_correction_set(user=user, recording=Recording.objects.get(pk=recording.pk), scene="nature")
    client.force_login(user)

    html = client.get(f"/scenes/{recording.pk}/").content.decode()

    assert "You told us it is <strong>Nature</strong>" in html
