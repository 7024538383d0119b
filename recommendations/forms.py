"""Page forms: small, validated, and handed to one service each."""
from __future__ import annotations

from django import forms

from recommendations.models import SceneCriteria
from scenes.labels import scene_display_name


class FeedbackForm(forms.Form):
    track = forms.IntegerField(widget=forms.HiddenInput)
    value = forms.ChoiceField(choices=[("up", "Thumbs up"), ("down", "Thumbs down"), ("none", "Clear")])


class SceneChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: SceneCriteria) -> str:
        return scene_display_name(obj.name)


class SceneCorrectionForm(forms.Form):
    scene = SceneChoiceField(queryset=SceneCriteria.objects.order_by("name"), to_field_name="name", empty_label=None, label="The right scene")


class RecommendForm(forms.Form):
    tz = forms.CharField(required=False, widget=forms.HiddenInput(attrs={"data-time-zone": ""}))
    again = forms.BooleanField(required=False, widget=forms.HiddenInput)


class ListeningSettingsForm(forms.Form):
    allow_explicit = forms.BooleanField(
        required=False, label="Include songs with explicit lyrics",
        help_text="Where our catalog knows a song is explicit, leave it out when this is off.",
    )
