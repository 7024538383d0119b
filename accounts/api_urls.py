from django.urls import path

from . import apis

urlpatterns = [
    path("auth/token/", apis.TokenObtainApi.as_view(), name="api-auth-token"),
    path("auth/tokens/", apis.TokenListCreateApi.as_view(), name="api-auth-tokens"),
    path("auth/tokens/<int:token_id>/", apis.TokenRevokeApi.as_view(), name="api-auth-token-revoke"),
    path("me/", apis.MeApi.as_view(), name="api-me"),
    path("me/export/", apis.ExportApi.as_view(), name="api-me-export"),
]
