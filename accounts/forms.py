"""Forms for the account pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm

from . import constants


class SignupForm(UserCreationForm):
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
