from django.apps import AppConfig


class RecommendationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "recommendations"

    def ready(self) -> None:
        # checks registers the system checks, receivers listens to the scenes app. tasks
        # registers the Celery tasks in every process, the web's too: services send jobs
        # through Celery's registry by task name.
        from accounts.export import register_export_section
        from recommendations import checks, receivers, tasks  # noqa: F401
        from recommendations.export import recommendations_for_export

        register_export_section("recommendations", recommendations_for_export)
