"""DRF serializers for the accounts API."""

from __future__ import annotations

from rest_framework import serializers

from .models import ApiToken

DEFAULT_TOKEN_NAME = "API token"


class TokenObtainInputSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)
    name = serializers.CharField(max_length=100, required=False, default=DEFAULT_TOKEN_NAME)


class TokenCreateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False, default=DEFAULT_TOKEN_NAME)


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
