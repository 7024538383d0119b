"""Accounts API under /api/v1/: API tokens and the signed-in user."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import NotFound, Throttled
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from soundscapify.api_errors import ApiError

from . import constants
from .export import user_export_data
from .models import ApiToken
from .ratelimit import client_address, sign_in_failed, sign_in_refusal, sign_in_succeeded, window_minutes
from .requests import signed_in_user
from .selectors import spotify_status, user_api_tokens
from .serializers import (
    ApiTokenSerializer,
    IssuedApiTokenSerializer,
    MeSerializer,
    TokenCreateInputSerializer,
    TokenObtainInputSerializer,
)
from .services import api_token_create, api_token_revoke

TAG = "accounts"


class TokenObtainThrottle(AnonRateThrottle):
    """Slows password guessing through the token endpoint (per client address); the rate is
    REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["auth_token"] (API_THROTTLE_AUTH_TOKEN)."""

    scope = "auth_token"

    def get_ident(self, request: Request) -> str:
        return client_address(request._request)  # the sign-in limits' idea of the client


class TokenObtainApi(APIView):
    """Exchange a username and password for a new API token (for mobile clients)."""

    authentication_classes: list[Any] = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [TokenObtainThrottle]

    @extend_schema(
        tags=[TAG],
        request=TokenObtainInputSerializer,
        responses={
            201: IssuedApiTokenSerializer,
            400: OpenApiResponse(description="Invalid input, or a wrong username or password (`invalid_credentials`)."),
            429: OpenApiResponse(description="Too many attempts; see Retry-After."),
        },
        auth=[],
        operation_id="auth_token_obtain",
    )
    def post(self, request: Request) -> Response:
        data = _valid(TokenObtainInputSerializer, request)
        attempt = {"username": data["username"], "address": client_address(request._request)}
        # The same failed-log-in counters as the HTML form (accounts.ratelimit).
        refusing = sign_in_refusal(**attempt)
        if refusing is not None:
            message = constants.LOGIN_RATE_LIMITED.format(minutes=window_minutes(refusing))
            raise Throttled(wait=refusing.window, detail=message)
        user = authenticate(request._request, username=data["username"], password=data["password"])
        if user is None:
            sign_in_failed(**attempt)
            raise ApiError(
                status=status.HTTP_400_BAD_REQUEST, code="invalid_credentials", detail=constants.INVALID_CREDENTIALS
            )
        sign_in_succeeded(**attempt)
        issued = api_token_create(user=user, name=data["name"])
        return Response(IssuedApiTokenSerializer(issued).data, status=status.HTTP_201_CREATED)


class TokenListCreateApi(ListAPIView):
    """List your API tokens, or create one while signed in (e.g. after signing in with Spotify)."""

    serializer_class = ApiTokenSerializer

    def get_queryset(self) -> Any:
        return user_api_tokens(user=signed_in_user(self.request))

    @extend_schema(tags=[TAG], operation_id="auth_tokens_list")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=[TAG],
        request=TokenCreateInputSerializer,
        responses={201: IssuedApiTokenSerializer},
        operation_id="auth_tokens_create",
    )
    def post(self, request: Request) -> Response:
        data = _valid(TokenCreateInputSerializer, request)
        issued = api_token_create(user=signed_in_user(request), name=data["name"])
        return Response(IssuedApiTokenSerializer(issued).data, status=status.HTTP_201_CREATED)


class TokenRevokeApi(APIView):
    """Revoke one of your API tokens; requests using it are refused from then on."""

    @extend_schema(
        tags=[TAG],
        responses={204: None, 404: OpenApiResponse(description="No such token of yours.")},
        operation_id="auth_tokens_revoke",
    )
    def delete(self, request: Request, token_id: int) -> Response:
        try:
            api_token_revoke(user=signed_in_user(request), token_id=token_id)
        except ApiToken.DoesNotExist as error:
            raise NotFound from error
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeApi(APIView):
    """The signed-in user."""

    @extend_schema(tags=[TAG], responses=MeSerializer, operation_id="me_retrieve")
    def get(self, request: Request) -> Response:
        user = signed_in_user(request)
        connected, usable = spotify_status(user=user)
        data = {
            "id": user.pk,
            "username": user.get_username(),
            "email": user.email,
            "date_joined": user.date_joined,
            "spotify_connected": connected,
            "spotify_needs_reconnect": connected and not usable,
        }
        return Response(MeSerializer(data).data)


class ExportApi(APIView):
    """All your data as one JSON document (the same as the account page's export)."""

    @extend_schema(tags=[TAG], responses={200: OpenApiTypes.OBJECT}, operation_id="me_export")
    def get(self, request: Request) -> Response:
        return Response(user_export_data(user=signed_in_user(request)))


def _valid(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)

