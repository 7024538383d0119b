from django.apps import AppConfig


class RecommendationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "recommendations"

    def ready(self) -> None:
        from accounts.export import register_export_section
        from recommendations import checks  # noqa: F401 - registers the system checks
        from recommendations.export import recommendations_for_export

        register_export_section("recommendations", recommendations_for_export)
