from django.apps import AppConfig


class ScenesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "scenes"

    def ready(self) -> None:
        # signals connects the receivers. tasks registers the Celery tasks in every process,
        # the web's too: services send jobs through Celery's registry by task name.
        from scenes import signals, tasks  # noqa: F401
