from django.urls import path

from recommendations import apis

urlpatterns = [
    path("recommendations/", apis.RecommendationListCreateApi.as_view(), name="api-recommendation-list"),
    path("recommendations/<int:pk>/", apis.RecommendationDetailApi.as_view(), name="api-recommendation-detail"),
    path("recommendations/<int:pk>/feedback/", apis.FeedbackApi.as_view(), name="api-recommendation-feedback"),
    path("recommendations/<int:pk>/scene-correction/", apis.SceneCorrectionApi.as_view(), name="api-recommendation-scene-correction"),
    path("recommendations/<int:pk>/playlist/", apis.PlaylistApi.as_view(), name="api-recommendation-playlist"),
    path("listening-settings/", apis.ListeningSettingsApi.as_view(), name="api-listening-settings"),
    path("scenes/", apis.SceneListApi.as_view(), name="api-scene-list"),
    path("scenes/<slug:name>/", apis.SceneDetailApi.as_view(), name="api-scene-detail"),
    path("catalog/tracks/", apis.CatalogSearchApi.as_view(), name="api-catalog-search"),
    path("listening-sessions/<uuid:session_id>/songs/", apis.LiveSongsApi.as_view(), name="api-listening-session-songs"),
]
