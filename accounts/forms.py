"""Forms for the account pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, SetPasswordForm, UserCreationForm
from django.core.exceptions import ValidationError

from . import constants


class _WeakPasswordUnderThePassword:
    """Django reports a weak password under the confirmation field; people look for it under
    the password they chose. A mismatch stays under the confirmation."""

    chosen_password_field = "password1"

    def validate_password_for_user(self, user: Any, password_field_name: str = "") -> None:
        super().validate_password_for_user(user, password_field_name=self.chosen_password_field)  # type: ignore[misc]


class LoginForm(AuthenticationForm):
    """A wrong password is said under the password field, where the person looks."""

    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()
        except ValidationError as error:
            if error.code != "invalid_login":
                raise
            self.add_error("password", error)
            return self.cleaned_data


class NewPasswordForm(_WeakPasswordUnderThePassword, SetPasswordForm):
    chosen_password_field = "new_password1"


class ChangePasswordForm(_WeakPasswordUnderThePassword, PasswordChangeForm):
    chosen_password_field = "new_password1"


class SignupForm(_WeakPasswordUnderThePassword, UserCreationForm):
    email = forms.EmailField(required=True, help_text="Used only to reset your password.")

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")

    def clean_email(self) -> str:
        email: str = self.cleaned_data["email"]
        if get_user_model().objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(constants.EMAIL_IN_USE)
        return email


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=100, initial="My phone", help_text="To recognise it in the list.")


class DeleteAccountForm(forms.Form):
    """Confirms with the password, or for a user without one (Spotify-only), the username."""

    confirmation = forms.CharField(strip=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        if user.has_usable_password():
            self.fields["confirmation"].label = "Your password"
            self.fields["confirmation"].widget = forms.PasswordInput(attrs={"autocomplete": "current-password"})
        else:
            self.fields["confirmation"].label = f"Type your username ({user.get_username()})"

    def clean_confirmation(self) -> str:
        value: str = self.cleaned_data["confirmation"]
        if self.user.has_usable_password():
            if not self.user.check_password(value):
                raise forms.ValidationError(constants.DELETE_WRONG_PASSWORD)
        elif value != self.user.get_username():
            raise forms.ValidationError(constants.DELETE_WRONG_USERNAME)
        return value
