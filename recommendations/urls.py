from django.urls import path

from recommendations import views

app_name = "recommendations"

urlpatterns = [
    path("", views.history, name="list"),
    path("settings/", views.listening_settings, name="settings"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/feedback/", views.feedback, name="feedback"),
    path("<int:pk>/playlist/", views.save_playlist, name="playlist"),
    path("<int:pk>/scene/", views.correct_scene, name="correct_scene"),
    path("recording/<uuid:recording_id>/", views.for_recording, name="for_recording"),
    path("live/<uuid:session_id>/", views.live_songs, name="live_songs"),
]
