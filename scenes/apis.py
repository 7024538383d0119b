"""The recordings and personal examples API: every endpoint sees only the requesting user's own."""
from __future__ import annotations

from uuid import UUID

from django.http import Http404
from django.http.response import HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.requests import signed_in_user
from scenes import selectors, services
from scenes.errors import RecordingRejected
from scenes.models import PersonalExample, Recording
from scenes.serializers import (
    ERROR_EXAMPLES,
    RECORDING_DONE_EXAMPLE,
    RECORDING_FAILED_EXAMPLE,
    RECORDING_QUEUED_EXAMPLE,
    PersonalExampleSerializer,
    RecordingSerializer,
    RecordingUploadSerializer,
)
from scenes.views import audio_response, content_length
from soundscapify.api_errors import ApiError, ApiErrorSerializer

TAGS = ["recordings"]


def rejected(exc: RecordingRejected) -> ApiError:
    """The refusal as the API's error (its status, code, message and Retry-After)."""
    return ApiError(status=exc.http_status, code=exc.code, detail=exc.message, retry_after_s=exc.retry_after_s)


class _OwnRecordingApi(GenericAPIView):
    def get_recording(self, recording_id: UUID) -> Recording:
        try:
            return selectors.recording_get(user=signed_in_user(self.request), recording_id=recording_id)
        except Recording.DoesNotExist:
            raise Http404 from None


class RecordingPagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 100


class RecordingListCreateApi(GenericAPIView):
    serializer_class = RecordingSerializer
    pagination_class = RecordingPagination
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        tags=TAGS,
        summary="Your recordings, newest first",
        responses=RecordingSerializer(many=True),
        examples=[RECORDING_DONE_EXAMPLE],
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(selectors.recording_list(user=signed_in_user(request)))
        return self.get_paginated_response(RecordingSerializer(page, many=True).data)

    @extend_schema(
        tags=TAGS,
        summary="Upload a recording",
        description=(
            "Multipart upload, field `file`. The file is checked before anything is queued: size, "
            "stated duration and real audio content in its first seconds (the decoded header decides, "
            "not the extension or the Content-Type). The answer comes at once with status `queued`: poll "
            "the recording until its status is `done` or `failed` (what only the whole clip shows, such "
            "as silence, fails it with its message). We keep the decoded audio re-encoded (Opus in "
            "WebM), not the bytes sent; refused uploads count against the hourly quota."
        ),
        request={"multipart/form-data": RecordingUploadSerializer},
        responses={
            201: RecordingSerializer,
            400: OpenApiResponse(
                ApiErrorSerializer, description="Not audio, truncated, too short/long, or no `file` field"
            ),
            411: OpenApiResponse(ApiErrorSerializer, description="Body sent in chunks, without Content-Length"),
            413: OpenApiResponse(ApiErrorSerializer, description="File over the size limit, or storage quota full"),
            429: OpenApiResponse(ApiErrorSerializer, description="Too many recordings in the last hour; see Retry-After"),
        },
        examples=[RECORDING_QUEUED_EXAMPLE, *ERROR_EXAMPLES],
    )
    def post(self, request: Request) -> Response:
        try:
            services.upload_size_check(content_length=content_length(request))
            serializer = RecordingUploadSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            recording = services.recording_create(
                user=signed_in_user(request), upload=serializer.validated_data["file"],
                time_zone=serializer.validated_data.get("time_zone", ""),
            )
        except RecordingRejected as exc:
            raise rejected(exc) from exc
        return Response(RecordingSerializer(recording).data, status=status.HTTP_201_CREATED)


class RecordingDetailApi(_OwnRecordingApi):
    serializer_class = RecordingSerializer

    @extend_schema(
        tags=TAGS,
        summary="One recording, with its status and result",
        description="Poll this until `status` is `done` (the result is filled in) or `failed` (see `error_message`).",
        examples=[RECORDING_DONE_EXAMPLE, RECORDING_QUEUED_EXAMPLE, RECORDING_FAILED_EXAMPLE],
    )
    def get(self, request: Request, recording_id: UUID) -> Response:
        return Response(RecordingSerializer(self.get_recording(recording_id)).data)

    @extend_schema(tags=TAGS, summary="Delete a recording and its audio", responses={204: None})
    def delete(self, request: Request, recording_id: UUID) -> Response:
        services.recording_delete(recording=self.get_recording(recording_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class RecordingReclassifyApi(_OwnRecordingApi):
    serializer_class = RecordingSerializer

    @extend_schema(
        tags=TAGS,
        summary="Classify a recording again with the active model",
        request=None,
        responses={202: RecordingSerializer, 409: OpenApiResponse(ApiErrorSerializer, description="Audio deleted")},
        examples=[RECORDING_QUEUED_EXAMPLE],
    )
    def post(self, request: Request, recording_id: UUID) -> Response:
        try:
            recording = services.recording_reclassify(recording=self.get_recording(recording_id))
        except RecordingRejected as exc:
            raise rejected(exc) from exc
        return Response(RecordingSerializer(recording).data, status=status.HTTP_202_ACCEPTED)


class RecordingAudioApi(_OwnRecordingApi):
    @extend_schema(
        tags=TAGS,
        summary="The recording's own audio, for its owner only",
        responses={(200, "audio/*"): OpenApiTypes.BINARY, (206, "audio/*"): OpenApiTypes.BINARY},
    )
    def get(self, request: Request, recording_id: UUID) -> HttpResponseBase:
        return audio_response(self.get_recording(recording_id), request.headers.get("Range", ""))


PERSONAL_TAGS = ["personal examples"]


class PersonalExampleListApi(GenericAPIView):
    serializer_class = PersonalExampleSerializer
    pagination_class = RecordingPagination

    @extend_schema(
        tags=PERSONAL_TAGS,
        summary="Your personal examples, by scene",
        responses=PersonalExampleSerializer(many=True),
        description="Each scene correction keeps the recording's clip embedding (never its audio) as an example; "
        "later recordings close to your examples lean towards their scene. The embedding itself is not listed.",
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(selectors.personal_example_list(user=signed_in_user(request)))
        return self.get_paginated_response(PersonalExampleSerializer(page, many=True).data)


class PersonalExampleDetailApi(GenericAPIView):
    serializer_class = PersonalExampleSerializer

    @extend_schema(tags=PERSONAL_TAGS, summary="Forget one of your personal examples", responses={204: None})
    def delete(self, request: Request, example_id: int) -> Response:
        try:
            example = selectors.personal_example_get(user=signed_in_user(request), example_id=example_id)
        except PersonalExample.DoesNotExist:
            raise Http404 from None
        services.personal_example_delete(example=example)
        return Response(status=status.HTTP_204_NO_CONTENT)
