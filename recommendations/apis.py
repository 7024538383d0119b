"""The recommendations API: each user sees only their own recommendations."""
from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView, ListAPIView, RetrieveAPIView
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.requests import signed_in_user
from recommendations import selectors
from recommendations.models import Recommendation, SceneCriteria, Track
from recommendations.serializers import (
    CatalogTrackSerializer,
    FeedbackOutSerializer,
    FeedbackSerializer,
    ListeningSettingsSerializer,
    PlaylistExportSerializer,
    RecommendationCreateSerializer,
    RecommendationSerializer,
    RecommendationSummarySerializer,
    SceneCorrectionSerializer,
    SceneSerializer,
)
from recommendations.services.feedback import (
    ERROR_NOT_RECOMMENDED,
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
from scenes.models import ListeningSession, Recording
from scenes.selectors import listening_session_get, recording_get
from soundscapify.api_errors import ApiError, ApiErrorSerializer

TAGS = ["recommendations"]
NO_RECORDING_MESSAGE = "This recommendation has no recording to correct."


def refused(code: str, message: str) -> ApiError:
    """A 400 with our own code and the user-facing message."""
    return ApiError(status=status.HTTP_400_BAD_REQUEST, code=code, detail=message)


class _OwnRecommendationApi(GenericAPIView):
    def get_recommendation(self, pk: int) -> Recommendation:
        try:
            return selectors.user_recommendation(user=signed_in_user(self.request), pk=pk)
        except Recommendation.DoesNotExist:
            raise Http404 from None

    def detail_data(self, recommendation: Recommendation) -> dict:
        track_ids = [item.track_id for item in recommendation.items.all()]
        feedback = selectors.user_feedback_by_track(user=signed_in_user(self.request), track_ids=track_ids)
        return RecommendationSerializer(recommendation, context={"feedback": feedback}).data


class RecommendationListCreateApi(_OwnRecommendationApi):
    serializer_class = RecommendationSummarySerializer

    @extend_schema(tags=TAGS, summary="Your recommendations, newest first", responses=RecommendationSummarySerializer(many=True))
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(selectors.user_recommendations(user=signed_in_user(request)))
        return self.get_paginated_response(RecommendationSummarySerializer(page, many=True).data)

    @extend_schema(
        tags=TAGS, summary="Songs for one of your classified recordings",
        description="Returns the recording's recommendation (200) or makes it (201); `again` makes a new one.",
        request=RecommendationCreateSerializer,
        responses={
            200: RecommendationSerializer, 201: RecommendationSerializer,
            400: OpenApiResponse(description="Invalid input, or no songs for this recording (`no_recommendation`)."),
            404: OpenApiResponse(description="No such recording of yours."),
        },
    )
    def post(self, request: Request) -> Response:
        data = RecommendationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            recording = recording_get(user=signed_in_user(request), recording_id=data.validated_data["recording"])
        except Recording.DoesNotExist:
            raise Http404 from None
        existing = set(recording.recommendations.values_list("id", flat=True))
        try:
            recommendation = recommendation_create_for_recording(
                recording=recording, local_time=local_time_now_for(recording, data.validated_data.get("time_zone")),
                again=data.validated_data["again"],
            )
        except RecommendationError as exc:
            raise refused("no_recommendation", str(exc)) from exc
        created = recommendation.pk not in existing
        recommendation = self.get_recommendation(recommendation.pk)
        return Response(self.detail_data(recommendation), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class LiveSongsApi(_OwnRecommendationApi):
    serializer_class = RecommendationSerializer

    @extend_schema(
        tags=["live mode"], summary="Songs for a live session's scene now",
        description="Makes a recommendation from the session's held scene (call it when `scene` changes: "
        "songs already queued stay yours to play). 409 `no_recommendation` before the first scene, or when no "
        "song fits.",
        request=None,
        responses={201: RecommendationSerializer, 404: OpenApiResponse(description="No such session of yours."),
                   409: OpenApiResponse(ApiErrorSerializer, description="No scene yet, or no song fits")},
    )
    def post(self, request: Request, session_id: str) -> Response:
        try:
            session = listening_session_get(user=signed_in_user(request), session_id=session_id)
        except ListeningSession.DoesNotExist:
            raise Http404 from None
        try:
            recommendation = recommendation_create_for_live_session(session=session)
        except RecommendationError as exc:
            raise ApiError(status=status.HTTP_409_CONFLICT, code="no_recommendation", detail=str(exc)) from exc
        return Response(self.detail_data(self.get_recommendation(recommendation.pk)), status=status.HTTP_201_CREATED)


class RecommendationDetailApi(_OwnRecommendationApi):
    serializer_class = RecommendationSerializer

    @extend_schema(tags=TAGS, summary="One recommendation with its songs")
    def get(self, request: Request, pk: int) -> Response:
        return Response(self.detail_data(self.get_recommendation(pk)))


class FeedbackApi(_OwnRecommendationApi):
    serializer_class = FeedbackSerializer

    @extend_schema(tags=TAGS, summary="Thumbs up or down on a song of the recommendation", responses={
        200: FeedbackOutSerializer, 204: None,
        400: OpenApiResponse(description="Invalid input, or a song not in this recommendation (`not_recommended`)."),
    })
    def post(self, request: Request, pk: int) -> Response:
        recommendation = self.get_recommendation(pk)
        data = FeedbackSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = next((i for i in recommendation.items.all() if i.track.spotify_id == data.validated_data["track"]), None)
        if item is None:
            raise refused("not_recommended", ERROR_NOT_RECOMMENDED)
        if data.validated_data["value"] == "none":
            feedback_clear(user=signed_in_user(request), track_id=item.track_id)
            return Response(status=status.HTTP_204_NO_CONTENT)
        feedback = feedback_set(user=signed_in_user(request), recommendation=recommendation, track_id=item.track_id, value=FEEDBACK_VALUES[data.validated_data["value"]])
        return Response(FeedbackOutSerializer(feedback).data)


class SceneCorrectionApi(_OwnRecommendationApi):
    serializer_class = SceneCorrectionSerializer

    @extend_schema(tags=TAGS, summary="Wrong scene? Tell us the right one: songs are picked for it (and it is kept for retraining)", responses={
        201: SceneCorrectionSerializer,
        400: OpenApiResponse(description="Invalid input, an unknown scene, or nothing to correct (`not_correctable`)."),
    })
    def post(self, request: Request, pk: int) -> Response:
        recommendation = self.get_recommendation(pk)
        data = SceneCorrectionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if recommendation.recording is None:
            raise refused("not_correctable", NO_RECORDING_MESSAGE)
        scene = data.validated_data["scene"]
        try:
            made: Recommendation | None = recommendation_create_for_correction(
                user=signed_in_user(request), recommendation=recommendation, scene=scene
            )
        except FeedbackError as exc:
            raise refused("not_correctable", str(exc)) from exc
        except RecommendationError:
            made = None  # the correction is kept; no song fits the scene yet
        return Response({"scene": scene, "recommendation": made.pk if made else None}, status=status.HTTP_201_CREATED)


class PlaylistApi(_OwnRecommendationApi):
    serializer_class = PlaylistExportSerializer

    @extend_schema(tags=TAGS, summary="The Spotify playlist's status", responses={
        200: PlaylistExportSerializer,
        404: OpenApiResponse(description="No such recommendation of yours, or not saved yet."),
    })
    def get(self, request: Request, pk: int) -> Response:
        export = selectors.playlist_export_for(user=signed_in_user(request), recommendation_id=pk)
        if export is None:
            raise Http404
        return Response(PlaylistExportSerializer(export).data)

    @extend_schema(tags=TAGS, summary="Save to Spotify (a private playlist, made in the background)", request=None, responses={
        202: PlaylistExportSerializer,
        409: OpenApiResponse(description=(
            "It cannot work: no Spotify on this server (`spotify_unavailable`), no Spotify connected "
            "(`spotify_not_connected`), or the connection must be renewed (`spotify_reconnect_required`)."
        )),
    })
    def post(self, request: Request, pk: int) -> Response:
        try:
            export, _ = playlist_export_request(user=signed_in_user(request), recommendation=self.get_recommendation(pk))
        except PlaylistRefused as exc:
            raise ApiError(status=status.HTTP_409_CONFLICT, code=exc.code, detail=exc.message) from exc
        return Response(PlaylistExportSerializer(export).data, status=status.HTTP_202_ACCEPTED)


@extend_schema(tags=["scenes"], summary="The criteria table (read-only)")
class SceneListApi(ListAPIView):
    serializer_class = SceneSerializer
    pagination_class = None
    queryset = SceneCriteria.objects.prefetch_related("labels").order_by("name")


@extend_schema(tags=["scenes"], summary="One scene's criteria")
class SceneDetailApi(RetrieveAPIView):
    serializer_class = SceneSerializer
    lookup_field = "name"
    queryset = SceneCriteria.objects.prefetch_related("labels")


@extend_schema(tags=["catalog"], summary="Search the song catalog (staff only)", parameters=[OpenApiParameter("q", str, description="name part or Spotify id")])
class CatalogSearchApi(ListAPIView):
    serializer_class = CatalogTrackSerializer
    permission_classes = (IsAdminUser,)
    pagination_class = None

    def get_queryset(self) -> list[Track]:  # type: ignore[override]
        return list(selectors.catalog_search(query=self.request.query_params.get("q", "")))


class ListeningSettingsApi(APIView):
    @extend_schema(tags=TAGS, summary="Your listening settings", responses=ListeningSettingsSerializer)
    def get(self, request: Request) -> Response:
        return Response(ListeningSettingsSerializer(listening_settings_get(user=signed_in_user(request))).data)

    @extend_schema(
        tags=TAGS, summary="Change your listening settings",
        description="`allow_explicit: false` keeps songs the catalog marks explicit out of your next recommendations.",
        request=ListeningSettingsSerializer, responses=ListeningSettingsSerializer,
    )
    def put(self, request: Request) -> Response:
        data = ListeningSettingsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        saved = listening_settings_update(user=signed_in_user(request), allow_explicit=data.validated_data["allow_explicit"])
        return Response(ListeningSettingsSerializer(saved).data)
