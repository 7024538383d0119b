"""accounts.requests.signed_in_user: the user behind login_required, and a refusal for anyone else."""
from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory

from accounts.requests import signed_in_user


def test_it_returns_the_signed_in_user(user) -> None:
    request = RequestFactory().get("/")
    request.user = user

    assert signed_in_user(request) == user


def test_it_refuses_an_anonymous_visitor_rather_than_passing_them_on() -> None:
    request = RequestFactory().get("/")
    request.user = AnonymousUser()

    with pytest.raises(PermissionDenied):
        signed_in_user(request)
