"""The signed-in user of a request, for the views and APIs that require one."""
from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from rest_framework.request import Request


def signed_in_user(request: HttpRequest | Request) -> User:
    """`request.user` behind login_required or IsAuthenticated; raises PermissionDenied (403) for anyone else.

    Those guards already keep anonymous visitors out: this types the user for the services,
    and refuses rather than passing AnonymousUser on should a view lose its guard.
    """
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user
