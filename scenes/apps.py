from django.apps import AppConfig


class ScenesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "scenes"

    def ready(self) -> None:
        from scenes import signals  # noqa: F401 - connects the receivers
