"""Pages: history, one recommendation with feedback and Save to Spotify, and the entry from a recording."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.requests import signed_in_user
from recommendations import selectors
from recommendations.forms import FeedbackForm, ListeningSettingsForm, RecommendForm, SceneCorrectionForm
from recommendations.models import Recommendation
from recommendations.services.feedback import (
    ERROR_UNKNOWN_SCENE,
    FEEDBACK_VALUES,
    FeedbackError,
    feedback_clear,
    feedback_set,
)
from recommendations.services.playlists import PlaylistRefused, playlist_export_request
from recommendations.services.recommendations import (
    RecommendationError,
    local_time_now_for,
    recommendation_create_for_correction,
    recommendation_create_for_live_session,
    recommendation_create_for_recording,
)
from recommendations.services.settings import listening_settings_get, listening_settings_update
from scenes.labels import scene_display_name
from scenes.models import ListeningSession, Recording
from scenes.selectors import listening_session_get, recording_get
from scenes.story import scene_shares

MESSAGE_PLAYLIST_QUEUED = "Saving to Spotify… refresh this page in a moment for the link."
MESSAGE_CORRECTION_SAVED = "Thanks! Here are songs for {scene}, and your correction helps us train a better scene model."
MESSAGE_SETTINGS_SAVED = "Saved: your next recommendations follow these settings."


def _own(request: HttpRequest, pk: int) -> Recommendation:
    try:
        return selectors.user_recommendation(user=signed_in_user(request), pk=pk)
    except Recommendation.DoesNotExist:
        raise Http404 from None


@login_required
def history(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.user_recommendations(user=signed_in_user(request)), 20).get_page(request.GET.get("page"))
    return render(request, "recommendations/history.html", {"page": page})


@login_required
def listening_settings(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if request.method == "POST":
        form = ListeningSettingsForm(request.POST)
        if form.is_valid():
            listening_settings_update(user=user, allow_explicit=form.cleaned_data["allow_explicit"])
            messages.success(request, MESSAGE_SETTINGS_SAVED)
            return redirect("recommendations:settings")
    else:
        form = ListeningSettingsForm(initial={"allow_explicit": listening_settings_get(user=user).allow_explicit})
    return render(request, "recommendations/settings.html", {"form": form})


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    recommendation = _own(request, pk)
    items = list(recommendation.items.all())
    feedback = selectors.user_feedback_by_track(user=signed_in_user(request), track_ids=[i.track_id for i in items])
    rows = [(item, feedback.get(item.track_id)) for item in items]
    export = getattr(recommendation, "playlist_export", None)
    correction = selectors.user_scene_correction(user=signed_in_user(request), recording_id=recommendation.recording_id)
    form = SceneCorrectionForm(initial={"scene": correction.corrected_scene if correction else recommendation.top_scene})
    context = {
        "recommendation": recommendation, "rows": rows, "export": export, "correction": correction, "correction_form": form,
        # The same probabilities, in the same chart, as the recording's result page.
        "shares": scene_shares(selectors.recommendation_detected_scenes(recommendation)),
        "spotify_save": selectors.spotify_save_option(user=signed_in_user(request)),
    }
    return render(request, "recommendations/detail.html", context)


@login_required
@require_POST
def feedback(request: HttpRequest, pk: int) -> HttpResponse:
    recommendation = _own(request, pk)
    form = FeedbackForm(request.POST)
    if form.is_valid():
        track_id, value = form.cleaned_data["track"], form.cleaned_data["value"]
        try:
            if value == "none":
                feedback_clear(user=signed_in_user(request), track_id=track_id)
            else:
                feedback_set(user=signed_in_user(request), recommendation=recommendation, track_id=track_id, value=FEEDBACK_VALUES[value])
        except FeedbackError as exc:
            messages.error(request, str(exc))
    return redirect(f"{recommendation_url(recommendation)}#track-{request.POST.get('track', '')}")


@login_required
@require_POST
def save_playlist(request: HttpRequest, pk: int) -> HttpResponse:
    recommendation = _own(request, pk)
    try:
        _, queued = playlist_export_request(user=signed_in_user(request), recommendation=recommendation)
    except PlaylistRefused as exc:
        messages.error(request, exc.message)
        return redirect(recommendation_url(recommendation))
    if queued:
        messages.info(request, MESSAGE_PLAYLIST_QUEUED)
    return redirect(recommendation_url(recommendation))


@login_required
@require_POST
def correct_scene(request: HttpRequest, pk: int) -> HttpResponse:
    """Keep the user's scene and show songs picked for it (the page they came from when none fit)."""
    recommendation = _own(request, pk)
    form = SceneCorrectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, ERROR_UNKNOWN_SCENE)
        return redirect(recommendation_url(recommendation))
    scene = form.cleaned_data["scene"].name
    try:
        made = recommendation_create_for_correction(user=signed_in_user(request), recommendation=recommendation, scene=scene)
    except (FeedbackError, RecommendationError) as exc:
        messages.error(request, str(exc))
        return redirect(recommendation_url(recommendation))
    messages.success(request, MESSAGE_CORRECTION_SAVED.format(scene=scene_display_name(scene)))
    return redirect(recommendation_url(made))


@login_required
def for_recording(request: HttpRequest, recording_id: str) -> HttpResponse:
    """GET: the recording's recommendation, or a button to make it; POST: make it (again)."""
    try:
        recording = recording_get(user=signed_in_user(request), recording_id=recording_id)
    except Recording.DoesNotExist:
        raise Http404 from None
    existing = recording.recommendations.order_by("-created_at", "-id").first()
    if request.method == "GET" and existing is not None:
        return redirect(recommendation_url(existing))
    if request.method == "POST":
        form = RecommendForm(request.POST)
        form.is_valid()
        try:
            made = recommendation_create_for_recording(
                recording=recording, local_time=local_time_now_for(recording, form.cleaned_data.get("tz")), again=bool(form.cleaned_data.get("again"))
            )
            return redirect(recommendation_url(made))
        except RecommendationError as exc:
            messages.error(request, str(exc))
    return render(request, "recommendations/for_recording.html", {"recording": recording, "form": RecommendForm()})


@login_required
@require_POST
def live_songs(request: HttpRequest, session_id: str) -> HttpResponse:
    """Songs for a live session's held scene, as the songs page's rows: the Listen page adds them
    to its queue (static/scenes/live.js). 409 with the message when there are none to give."""
    try:
        session = listening_session_get(user=signed_in_user(request), session_id=session_id)
    except ListeningSession.DoesNotExist:
        raise Http404 from None
    try:
        recommendation = recommendation_create_for_live_session(session=session)
    except RecommendationError as exc:
        return HttpResponse(str(exc), status=409, content_type="text/plain; charset=utf-8")
    rows = [(item, None) for item in recommendation.items.select_related("track")]
    context = {"recommendation": recommendation, "rows": rows}
    return render(request, "recommendations/partials/live_songs.html", context)


def recommendation_url(recommendation: Recommendation) -> str:
    return reverse("recommendations:detail", args=[recommendation.pk])
