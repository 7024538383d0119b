"""DRF serializers for the accounts API."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.fields import empty

from .models import ApiToken

DEFAULT_TOKEN_NAME = "API token"


class TokenNameField(serializers.CharField):
    """A token's name: optional, and a blank one (empty or spaces) gets the default name too."""

    def __init__(self) -> None:
        super().__init__(
            max_length=100, required=False, allow_blank=True, default=DEFAULT_TOKEN_NAME,
            help_text=f"A label to tell your tokens apart; empty or absent: {DEFAULT_TOKEN_NAME!r}.",
        )

    def run_validation(self, data: Any = empty) -> str:
        return super().run_validation(data) or DEFAULT_TOKEN_NAME


class TokenObtainInputSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)
    name = TokenNameField()


class TokenCreateInputSerializer(serializers.Serializer):
    name = TokenNameField()


class ApiTokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created", "last_used"]
        read_only_fields = fields


class IssuedApiTokenSerializer(serializers.Serializer):
    """A new token: `key` appears in this response only."""

    id = serializers.IntegerField(source="token.id")
    name = serializers.CharField(source="token.name")
    prefix = serializers.CharField(source="token.prefix")
    created = serializers.DateTimeField(source="token.created")
    key = serializers.CharField(help_text="Send as `Authorization: Bearer <key>`. Shown only once.")


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    email = serializers.EmailField(allow_blank=True)
    date_joined = serializers.DateTimeField()
    spotify_connected = serializers.BooleanField()
    spotify_needs_reconnect = serializers.BooleanField()
