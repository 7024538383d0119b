from django.urls import path

from scenes import apis, live_apis

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
    path("listening-sessions/", live_apis.ListeningSessionListCreateApi.as_view(), name="api-listening-session-list"),
    path(
        "listening-sessions/<uuid:session_id>/",
        live_apis.ListeningSessionDetailApi.as_view(),
        name="api-listening-session-detail",
    ),
    path(
        "listening-sessions/<uuid:session_id>/pause/",
        live_apis.ListeningSessionPauseApi.as_view(),
        name="api-listening-session-pause",
    ),
    path(
        "listening-sessions/<uuid:session_id>/resume/",
        live_apis.ListeningSessionResumeApi.as_view(),
        name="api-listening-session-resume",
    ),
    path(
        "listening-sessions/<uuid:session_id>/stop/",
        live_apis.ListeningSessionStopApi.as_view(),
        name="api-listening-session-stop",
    ),
    path(
        "listening-sessions/<uuid:session_id>/snippets/",
        live_apis.LiveSnippetCreateApi.as_view(),
        name="api-listening-session-snippets",
    ),
]
