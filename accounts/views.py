"""Account pages: sign up, log in/out, password, the account page and its actions."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.generic.edit import FormView

from . import constants
from .export import user_export_data
from .forms import ApiTokenForm, ChangePasswordForm, DeleteAccountForm, LoginForm, NewPasswordForm, SignupForm
from .models import ApiToken
from .ratelimit import (
    AttemptLimiter,
    client_address,
    password_resets,
    sign_in_failed,
    sign_in_refusal,
    sign_in_succeeded,
    window_minutes,
)
from .requests import signed_in_user
from .selectors import user_api_tokens, user_connected_services
from .services import (
    DisconnectNotAllowed,
    api_token_create,
    api_token_revoke,
    spotify_disconnect,
    user_create,
    user_delete,
)

LOCAL_BACKEND = "django.contrib.auth.backends.ModelBackend"


class LoginView(auth_views.LoginView):
    """Log-in form; past the failed-log-in limits (accounts.ratelimit.sign_in_refusal) it
    answers 429 without checking the password, until the limit's window has passed."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        refusing = sign_in_refusal(**self._attempt())
        if refusing is not None:
            return _rate_limited(self, refusing, constants.LOGIN_RATE_LIMITED)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        sign_in_succeeded(**self._attempt())
        return super().form_valid(form)

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        if self._attempt()["username"] and self.request.POST.get("password"):
            sign_in_failed(**self._attempt())
        return super().form_invalid(form)

    def _attempt(self) -> dict[str, str]:
        return {"username": str(self.request.POST.get("username", "")), "address": client_address(self.request)}


class LogoutView(auth_views.LogoutView):
    """Logs out (POST only) and says so on the page it lands on."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        was_signed_in = request.user.is_authenticated
        response = super().post(request, *args, **kwargs)
        if was_signed_in:  # the message outlives the session: logout() keeps the message storage
            messages.success(request, constants.LOGGED_OUT)
        return response


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """Every request counts, known address or not: the answer must not tell them apart."""
        email, address = str(request.POST.get("email", "")), client_address(request)
        if password_resets.blocked(email, address):
            return _rate_limited(self, password_resets, constants.PASSWORD_RESET_RATE_LIMITED)
        password_resets.record(email, address)
        return super().post(request, *args, **kwargs)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    form_class = NewPasswordForm
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


def _rate_limited(view: FormView, limiter: AttemptLimiter, message: str) -> HttpResponse:
    """The view's page with an empty form and `message` (minutes filled in), status 429.

    The submitted form is never validated: for the log-in form that would check the password.
    """
    kwargs = {k: v for k, v in view.get_form_kwargs().items() if k not in ("data", "files")}
    context = view.get_context_data(
        form=view.get_form_class()(**kwargs),
        rate_limited_message=message.format(minutes=window_minutes(limiter)),
    )
    response = view.render_to_response(context, status=429)
    response["Retry-After"] = str(limiter.window)
    return response


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = user_create(
            username=form.cleaned_data["username"],
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
        )
        login(request, user, backend=LOCAL_BACKEND)
        messages.success(request, constants.SIGNED_UP)
        return redirect(settings.LOGIN_REDIRECT_URL)
    return render(request, "accounts/signup.html", {"form": form})


@login_required
@require_GET
def account(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    context = {
        "services": user_connected_services(user=user),
        "tokens": user_api_tokens(user=user),
        "token_form": ApiTokenForm(),
    }
    return render(request, "accounts/account.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def password(request: HttpRequest) -> HttpResponse:
    """Change the password, or set one for an account created through Spotify."""
    user = signed_in_user(request)
    form_class = ChangePasswordForm if user.has_usable_password() else NewPasswordForm
    form = form_class(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        update_session_auth_hash(request, form.save())
        messages.success(request, constants.PASSWORD_SET)
        return redirect("accounts:account")
    return render(request, "accounts/password.html", {"form": form})


@login_required
@require_POST
def spotify_disconnect_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    try:
        deleted = spotify_disconnect(user=user)
    except DisconnectNotAllowed:
        messages.error(request, constants.DISCONNECT_NEEDS_PASSWORD)
        return redirect("accounts:password")
    messages.success(request, constants.SPOTIFY_DISCONNECTED if deleted else constants.SPOTIFY_NOT_CONNECTED)
    return redirect("accounts:account")


@login_required
@require_GET
def export(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    body = json.dumps(user_export_data(user=user), cls=DjangoJSONEncoder, indent=2)
    response = HttpResponse(body, content_type="application/json")
    response["Content-Disposition"] = 'attachment; filename="soundscapify-export.json"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    form = DeleteAccountForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        logout(request)
        user_delete(user=user)
        messages.success(request, constants.ACCOUNT_DELETED)
        return redirect("home")
    return render(request, "accounts/delete.html", {"form": form})


@login_required
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    """Creates a token and shows its key on this response only: it is never stored."""
    user = signed_in_user(request)
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        return render(request, "accounts/token_form.html", {"token_form": form}, status=400)
    issued = api_token_create(user=user, name=form.cleaned_data["name"])
    response = render(request, "accounts/token_created.html", {"issued": issued})
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    user = signed_in_user(request)
    try:
        api_token_revoke(user=user, token_id=token_id)
    except ApiToken.DoesNotExist as error:
        raise Http404 from error
    messages.success(request, constants.TOKEN_REVOKED)
    return redirect("accounts:account")
