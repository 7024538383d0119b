from django.urls import path

from scenes import apis

urlpatterns = [
    path("recordings/", apis.RecordingListCreateApi.as_view(), name="api-recording-list"),
    path("recordings/<uuid:recording_id>/", apis.RecordingDetailApi.as_view(), name="api-recording-detail"),
    path(
        "recordings/<uuid:recording_id>/reclassify/",
        apis.RecordingReclassifyApi.as_view(),
        name="api-recording-reclassify",
    ),
    path("recordings/<uuid:recording_id>/audio/", apis.RecordingAudioApi.as_view(), name="api-recording-audio"),
    path("personal-examples/", apis.PersonalExampleListApi.as_view(), name="api-personal-example-list"),
    path(
        "personal-examples/<int:example_id>/", apis.PersonalExampleDetailApi.as_view(), name="api-personal-example-detail"
    ),
]
