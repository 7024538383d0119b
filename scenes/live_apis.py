"""Live mode through the API (the Listen page and mobile clients): the user's own sessions only."""
from __future__ import annotations

from uuid import UUID

from django.conf import settings
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer

from accounts.requests import signed_in_user
from scenes import selectors, services
from scenes.apis import RecordingPagination, rejected
from scenes.errors import RecordingRejected
from scenes.models import ListeningSession
from scenes.serializers import (
    ListeningSessionDetailSerializer,
    ListeningSessionSerializer,
    ListeningSessionStartSerializer,
    LiveSnippetSerializer,
    LiveSnippetUploadSerializer,
)
from scenes.views import content_length
from soundscapify.api_errors import ApiErrorSerializer

TAGS = ["live mode"]
REFUSED_409 = OpenApiResponse(ApiErrorSerializer, description="Session paused, stopped, over its length, or another open")


class _OwnSessionApi(GenericAPIView):
    serializer_class: type[Serializer] = ListeningSessionDetailSerializer

    def get_session(self, session_id: UUID) -> ListeningSession:
        try:
            return selectors.listening_session_get(user=signed_in_user(self.request), session_id=session_id)
        except ListeningSession.DoesNotExist:
            raise Http404 from None

    def session_response(self, session_id: UUID, code: int = status.HTTP_200_OK) -> Response:
        return Response(ListeningSessionDetailSerializer(self.get_session(session_id)).data, status=code)


class ListeningSessionListCreateApi(GenericAPIView):
    serializer_class = ListeningSessionSerializer
    pagination_class = RecordingPagination
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(tags=TAGS, summary="Your listening sessions, newest first", responses=ListeningSessionSerializer(many=True))
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(selectors.listening_session_list(user=signed_in_user(request)))
        return self.get_paginated_response(ListeningSessionSerializer(page, many=True).data)

    @extend_schema(
        tags=TAGS,
        summary="Start live mode",
        description=(
            "Opens a session that takes a snippet every `interval_s` seconds: record a few seconds, POST it to "
            "the session's `snippets/`, and read the session for its scene. Needs `consent: true`. One open "
            "session per user; snippets do not count toward the hourly recording limit, but come at most every "
            "minimum interval, and a session ends by itself at its length limit (`ends_at`). Only results are "
            "kept: each snippet's audio is deleted once classified."
        ),
        request=ListeningSessionStartSerializer,
        responses={
            201: ListeningSessionDetailSerializer,
            400: OpenApiResponse(ApiErrorSerializer, description="No consent, or an interval outside the limits"),
            409: REFUSED_409,
        },
    )
    def post(self, request: Request) -> Response:
        serializer = ListeningSessionStartSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            session = services.live_session_start(
                user=signed_in_user(request), interval_s=data.get("interval_s", settings.SCENES_LIVE_INTERVAL_S),
                consent=data["consent"], time_zone=data.get("time_zone", ""),
            )
        except RecordingRejected as exc:
            raise rejected(exc) from exc
        session = selectors.listening_session_get(user=signed_in_user(request), session_id=session.pk)
        return Response(ListeningSessionDetailSerializer(session).data, status=status.HTTP_201_CREATED)


class ListeningSessionDetailApi(_OwnSessionApi):
    @extend_schema(tags=TAGS, summary="One listening session, with its timeline of snippets")
    def get(self, request: Request, session_id: UUID) -> Response:
        return self.session_response(session_id)


class _SessionActionApi(_OwnSessionApi):
    def act(self, session: ListeningSession) -> None:
        raise NotImplementedError

    def post(self, request: Request, session_id: UUID) -> Response:
        try:
            self.act(self.get_session(session_id))
        except RecordingRejected as exc:
            raise rejected(exc) from exc
        return self.session_response(session_id)


class ListeningSessionPauseApi(_SessionActionApi):
    def act(self, session: ListeningSession) -> None:
        services.live_session_pause(session=session)

    @extend_schema(tags=TAGS, summary="Pause: snippets are refused until resumed", request=None, responses={200: ListeningSessionDetailSerializer, 409: REFUSED_409})
    def post(self, request: Request, session_id: UUID) -> Response:
        return super().post(request, session_id)


class ListeningSessionResumeApi(_SessionActionApi):
    def act(self, session: ListeningSession) -> None:
        services.live_session_resume(session=session)

    @extend_schema(tags=TAGS, summary="Resume a paused session", request=None, responses={200: ListeningSessionDetailSerializer, 409: REFUSED_409})
    def post(self, request: Request, session_id: UUID) -> Response:
        return super().post(request, session_id)


class ListeningSessionStopApi(_SessionActionApi):
    def act(self, session: ListeningSession) -> None:
        services.live_session_stop(session=session)

    @extend_schema(tags=TAGS, summary="Stop the session (its results stay in your history)", request=None, responses={200: ListeningSessionDetailSerializer})
    def post(self, request: Request, session_id: UUID) -> Response:
        return super().post(request, session_id)


class LiveSnippetCreateApi(_OwnSessionApi):
    serializer_class = LiveSnippetSerializer
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        tags=TAGS,
        summary="Send a snippet",
        description=(
            "Multipart, field `file`: a few seconds of audio. Answers at once with status `queued`; the result "
            "shows in the session (poll it) within about a second. The audio is deleted once classified."
        ),
        request={"multipart/form-data": LiveSnippetUploadSerializer},
        responses={
            202: LiveSnippetSerializer,
            400: OpenApiResponse(ApiErrorSerializer, description="Not audio, too short or too long"),
            409: REFUSED_409,
            413: OpenApiResponse(ApiErrorSerializer, description="Snippet over the size limit"),
            429: OpenApiResponse(ApiErrorSerializer, description="Sooner than the minimum interval; see Retry-After"),
        },
    )
    def post(self, request: Request, session_id: UUID) -> Response:
        try:
            session = selectors.listening_session_row(user=signed_in_user(request), session_id=session_id)
        except ListeningSession.DoesNotExist:
            raise Http404 from None
        try:
            services.upload_size_check(content_length=content_length(request))
            serializer = LiveSnippetUploadSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            snippet = services.live_snippet_add(session=session, upload=serializer.validated_data["file"])
        except RecordingRejected as exc:
            raise rejected(exc) from exc
        return Response(LiveSnippetSerializer(snippet).data, status=status.HTTP_202_ACCEPTED)
