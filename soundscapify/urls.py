from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from soundscapify.health import healthz, readyz
from soundscapify.landing import home
from soundscapify.views import favicon

urlpatterns = [
    path("", home, name="home"),
    path("favicon.ico", favicon, name="favicon"),
    path("account/", include("accounts.urls")),
    path("scenes/", include("scenes.urls")),
    path("recommendations/", include("recommendations.urls")),
    path("", include("social_django.urls", namespace="social")),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("api/v1/", include("soundscapify.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]

handler400 = "soundscapify.views.bad_request"
handler403 = "soundscapify.views.permission_denied"
handler404 = "soundscapify.views.page_not_found"
handler500 = "soundscapify.api_errors.server_error"
