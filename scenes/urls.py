from django.urls import path

from scenes import views

app_name = "scenes"

urlpatterns = [
    path("", views.capture, name="capture"),
    path("upload/", views.upload, name="upload"),
    path("history/", views.history, name="history"),
    path("<uuid:recording_id>/", views.detail, name="detail"),
    path("<uuid:recording_id>/audio/", views.audio, name="audio"),
    path("<uuid:recording_id>/delete/", views.delete, name="delete"),
]
