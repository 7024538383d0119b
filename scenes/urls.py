from django.urls import path

from scenes import views

app_name = "scenes"

urlpatterns = [
    path("", views.capture, name="capture"),
    path("upload/", views.upload, name="upload"),
    path("history/", views.history, name="history"),
    path("places/", views.personal_examples, name="personal_examples"),
    path("places/<int:example_id>/delete/", views.personal_example_delete, name="personal_example_delete"),
    path("places/delete/", views.personal_examples_delete_all, name="personal_examples_delete_all"),
    path("<uuid:recording_id>/", views.detail, name="detail"),
    path("<uuid:recording_id>/audio/", views.audio, name="audio"),
    path("<uuid:recording_id>/delete/", views.delete, name="delete"),
]
