"""The upload form of the capture page (without JavaScript; the recorder posts to the API)."""
from __future__ import annotations

from django import forms

from soundscapify.time_zones import MAX_LENGTH as TIME_ZONE_MAX_LENGTH


class RecordingUploadForm(forms.Form):
    file = forms.FileField(
        label="Choose a recording",
        allow_empty_file=True,  # an empty file gets our own message
        widget=forms.ClearableFileInput(attrs={"accept": "audio/*,.wav,.flac,.ogg,.opus,.mp3,.m4a,.webm"}),
    )
    # Filled by static/js/time-zone.js; without JavaScript the site's zone applies.
    time_zone = forms.CharField(required=False, max_length=TIME_ZONE_MAX_LENGTH, widget=forms.HiddenInput(attrs={"data-time-zone": ""}))
