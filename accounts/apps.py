from django.apps import AppConfig
from django.db.models.signals import pre_save


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"

    def ready(self) -> None:
        from social_django.models import UserSocialAuth

        from . import export, schema  # noqa: F401  (register export sections and the OpenAPI auth scheme)
        from .spotify.encryption import seal_tokens_before_save

        # social-auth saves extra_data itself (sign-in pipeline, token refresh): encrypt there.
        pre_save.connect(seal_tokens_before_save, sender=UserSocialAuth, dispatch_uid="accounts.seal_spotify_tokens")
