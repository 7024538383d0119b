"""Every app's API under /api/v1/."""
from django.urls import include, path

urlpatterns = [
    path("", include("accounts.api_urls")),
    path("", include("scenes.api_urls")),
    path("", include("recommendations.api_urls")),
]
