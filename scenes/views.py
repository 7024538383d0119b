"""Pages: capture ("What does it sound like here?"), result, history, your places; audio for its owner."""
from __future__ import annotations

import json
import re
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.requests import signed_in_user
from ml.scenes import SCENES
from recommendations.selectors import user_scene_correction
from scenes import charts, selectors, services, story
from scenes.audio import CONTENT_TYPES
from scenes.errors import MICROPHONE_MESSAGES, RecordingRejected
from scenes.forms import RecordingUploadForm
from scenes.labels import scene_display_name
from scenes.models import PersonalExample, Recording, SceneResult

# The history lists the latest live sessions; all of them are in the API and the export.
LIVE_SESSIONS_SHOWN = 10
LIVE_INTERVALS_S = (15, 30, 60, 120, 300)
HISTORY_PAGE_SIZE = 20
RANGE_PATTERN = re.compile(r"bytes=(\d*)-(\d*)")
# A player asking for "bytes=0-" gets the file in pieces of this size, not all of it in memory.
MAX_RANGE_BYTES = 2 * 1024 * 1024
# Lengths the recorder offers, those within SCENES_MIN/MAX_DURATION_S; 10 s is preselected.
RECORD_SECONDS = (5, 10, 15, 20, 30, 60)
DEFAULT_RECORD_SECONDS = 10
RECORDING_DELETED = "The recording has been deleted: its audio and its scene result are gone."
EXAMPLE_DELETED_MESSAGE = "That example is forgotten: it no longer leans your results."
EXAMPLES_DELETED_MESSAGE = "All your examples are forgotten: your results are the model's alone again."


def _recording_or_404(request: HttpRequest, recording_id: UUID) -> Recording:
    try:
        return selectors.recording_get(user=signed_in_user(request), recording_id=recording_id)
    except Recording.DoesNotExist:
        raise Http404 from None


def content_length(request: HttpRequest) -> int | None:
    """The body's declared size; None for a chunked body, whose size is known only once read."""
    if "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
        return None
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def audio_response(recording: Recording, range_header: str = "") -> HttpResponseBase:
    """The recording's audio, private to the browser that asked; 404 once it has been deleted.

    Answers a single byte range with 206, so that a player can seek.
    """
    if not recording.has_audio:
        raise Http404
    extension = (recording.file.name or "").rsplit(".", 1)[-1]
    content_type = CONTENT_TYPES.get(extension, "application/octet-stream")
    try:
        handle = recording.file.open("rb")
    except FileNotFoundError:  # removed from storage behind our back (a purge, an operator)
        raise Http404 from None
    byte_range = _byte_range(range_header, recording.file.size)
    if byte_range is None:
        response: HttpResponseBase = FileResponse(handle, content_type=content_type)
    else:
        response = _partial_response(handle, byte_range, recording.file.size, content_type)
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = "private, no-store"
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _byte_range(header: str, size: int) -> tuple[int, int] | None:
    """(first, last) byte of a single `bytes=` range, capped at MAX_RANGE_BYTES; None for the whole file."""
    match = RANGE_PATTERN.fullmatch(header.strip())
    if not match or match.group(1) == match.group(2) == "":
        return None  # absent, multiple or malformed ranges: the whole file, as RFC 9110 allows
    if match.group(1) == "":  # the last N bytes
        first, last = max(0, size - int(match.group(2))), size - 1
    else:
        first = int(match.group(1))
        last = min(int(match.group(2)) if match.group(2) else size - 1, size - 1)
    return first, min(last, first + MAX_RANGE_BYTES - 1)


def _partial_response(handle: Any, byte_range: tuple[int, int], size: int, content_type: str) -> HttpResponse:
    first, last = byte_range
    if first >= size or first > last:
        handle.close()
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    with handle:
        handle.seek(first)
        data = handle.read(last - first + 1)
    response = HttpResponse(data, status=206, content_type=content_type)
    response["Content-Range"] = f"bytes {first}-{last}/{size}"
    return response


@login_required
@require_GET
def capture(request: HttpRequest) -> HttpResponse:
    return _render_capture(request, RecordingUploadForm())


def _render_capture(
    request: HttpRequest, form: RecordingUploadForm, status: int = 200, error: str = ""
) -> HttpResponse:
    context = {
        "form": form,
        "error": error,
        "record_seconds": record_seconds(),
        "default_record_seconds": DEFAULT_RECORD_SECONDS,
        "max_upload_mb": settings.SCENES_MAX_UPLOAD_BYTES / (1024 * 1024),
        "microphone_messages": MICROPHONE_MESSAGES,
        "recent": selectors.recording_list(user=signed_in_user(request))[:5],
        "live": live_card(),
    }
    return render(request, "scenes/capture.html", context, status=status)


def live_card() -> dict[str, Any]:
    """What the Live card offers: intervals within the limits, the default first chosen."""
    low, high, default = (
        settings.SCENES_LIVE_MIN_INTERVAL_S, settings.SCENES_LIVE_MAX_INTERVAL_S, settings.SCENES_LIVE_INTERVAL_S
    )
    intervals = sorted({s for s in (*LIVE_INTERVALS_S, low, default) if low <= s <= high})
    return {
        "intervals": intervals,
        "default_interval": default,
        # Never as long as the interval: a snippet is done before the next one starts.
        "scene_labels": json.dumps({scene: scene_display_name(scene) for scene in SCENES}),
        "snippet_s": min(settings.SCENES_LIVE_SNIPPET_S, max(1.0, low - 1.0), settings.SCENES_LIVE_MAX_SNIPPET_S),
    }


def record_seconds() -> list[int]:
    """The recorder's lengths that the upload limits accept; the longest allowed if none is."""
    low, high = settings.SCENES_MIN_DURATION_S, settings.SCENES_MAX_DURATION_S
    return [s for s in RECORD_SECONDS if low <= s <= high] or [int(high)]


@login_required
@require_POST
def upload(request: HttpRequest) -> HttpResponse:
    try:
        services.upload_size_check(content_length=content_length(request))
        form = RecordingUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return _render_capture(request, form, status=400)
        recording = services.recording_create(
            user=signed_in_user(request), upload=form.cleaned_data["file"], time_zone=form.cleaned_data["time_zone"]
        )
    except RecordingRejected as exc:
        response = _render_capture(request, RecordingUploadForm(), status=exc.http_status, error=exc.message)
        if exc.retry_after_s:
            response["Retry-After"] = str(exc.retry_after_s)
        return response
    return redirect("scenes:detail", recording.id)


@login_required
@require_GET
def detail(request: HttpRequest, recording_id: UUID) -> HttpResponse:
    recording = _recording_or_404(request, recording_id)
    context = {
        "recording": recording,
        "result": recording.result,
        "pending": recording.status in (Recording.Status.QUEUED, Recording.Status.PROCESSING),
        **_result_story(recording.result),
    }
    if recording.result is not None:
        correction = user_scene_correction(user=signed_in_user(request), recording_id=recording.pk)
        context["corrected_scene"] = correction.corrected_scene if correction else ""
    return render(request, "scenes/detail.html", context)


def _result_story(result: SceneResult | None) -> dict[str, Any]:
    """The headline, the probabilities chart and the timeline chart, told from one result."""
    if result is None:
        return {"shares": [], "segments": [], "headline": None, "timeline_chart": None}
    shares = story.scene_shares(result.scene_probabilities)
    segments = selectors.timeline_segments(result.timeline)
    chart = charts.timeline_chart(result.timeline, segments, [s.scene for s in shares]) if len(result.timeline) > 1 else None
    told = story.personal_headline(result.personal, result.top_scene) or story.headline(segments, result.top_scene)
    return {
        "shares": shares,
        "segments": segments,
        "headline": told,
        "timeline_chart": chart,
    }


@login_required
@require_GET
def audio(request: HttpRequest, recording_id: UUID) -> HttpResponseBase:
    return audio_response(_recording_or_404(request, recording_id), request.headers.get("Range", ""))


@login_required
@require_GET
def history(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.recording_list(user=signed_in_user(request)), HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    sessions = selectors.listening_session_list(user=signed_in_user(request)).prefetch_related("snippets")
    context = {
        "page": page,
        "retention_days": settings.SCENES_AUDIO_RETENTION_DAYS,
        "live_sessions": sessions[:LIVE_SESSIONS_SHOWN],
    }
    return render(request, "scenes/history.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest, recording_id: UUID) -> HttpResponse:
    """Asks first (GET, or a POST without `confirm`), then deletes and says so."""
    recording = _recording_or_404(request, recording_id)
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        services.recording_delete(recording=recording)
        messages.success(request, RECORDING_DELETED)
        return redirect("scenes:history")
    return render(request, "scenes/delete.html", {"recording": recording})


@login_required
@require_GET
def personal_examples(request: HttpRequest) -> HttpResponse:
    examples = selectors.personal_example_list(user=signed_in_user(request))
    return render(request, "scenes/personal_examples.html", {"examples": examples})


@login_required
@require_POST
def personal_example_delete(request: HttpRequest, example_id: int) -> HttpResponse:
    try:
        example = selectors.personal_example_get(user=signed_in_user(request), example_id=example_id)
    except PersonalExample.DoesNotExist:
        raise Http404 from None
    services.personal_example_delete(example=example)
    messages.success(request, EXAMPLE_DELETED_MESSAGE)
    return redirect("scenes:personal_examples")


@login_required
@require_http_methods(["GET", "POST"])
def personal_examples_delete_all(request: HttpRequest) -> HttpResponse:
    """GET asks to confirm; POST deletes every example of the user."""
    user = signed_in_user(request)
    if request.method == "GET":
        count = selectors.personal_example_list(user=user).count()
        return render(request, "scenes/personal_examples_delete.html", {"count": count})
    services.personal_examples_delete_all(user=user)
    messages.success(request, EXAMPLES_DELETED_MESSAGE)
    return redirect("scenes:personal_examples")
