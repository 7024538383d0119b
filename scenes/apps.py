from django.apps import AppConfig


class ScenesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "scenes"

    def ready(self) -> None:
        # signals connects the receivers. tasks registers the Celery tasks in every process,
        # the web's too: services send jobs through Celery's registry by task name.
        from accounts.export import register_export_section
        from scenes import signals, tasks  # noqa: F401
        from scenes.export import recordings_for_export, upload_refusals_for_export
        from scenes.live_export import listening_sessions_for_export
        from scenes.personal_export import personal_examples_for_export

        register_export_section("recordings", recordings_for_export)
        register_export_section("upload_refusals", upload_refusals_for_export)
        register_export_section("personal_examples", personal_examples_for_export)
        register_export_section("listening_sessions", listening_sessions_for_export)
