"""DRF authentication with personal API tokens: `Authorization: Bearer <key>`."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from .models import ApiToken
from .selectors import api_token_by_key
from .services import api_token_mark_used

KEYWORD = "Bearer"


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """Authenticates a request carrying one of the user's API tokens (see accounts.models.ApiToken).

    No header, or another scheme: returns None so other classes may try. A wrong,
    revoked or malformed token: 401.
    """

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header."))
        try:
            key = parts[1].decode()
        except UnicodeError as error:
            raise exceptions.AuthenticationFailed(_("Invalid token header.")) from error
        token = api_token_by_key(key=key)
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        return token.user, api_token_mark_used(token=token)

    def authenticate_header(self, request: Request) -> str:
        return f'{KEYWORD} realm="api"'
