"""The catalog refresh's beat schedule, kept in the database so the admin can change it."""
from __future__ import annotations

from django.db import migrations

TASK = "recommendations.tasks.refresh_catalog"
NAME = "Refresh the song catalog"


def create(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    if PeriodicTask.objects.filter(task=TASK).exists():
        return
    nightly, _ = CrontabSchedule.objects.get_or_create(
        minute="30", hour="4", day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC"
    )
    PeriodicTask.objects.create(
        name=NAME, task=TASK, crontab=nightly, queue="default", enabled=True,
        description="Connected users' top and recently played tracks and the configured searches, then audio features.",
    )


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task=TASK, name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("recommendations", "0002_seed_scenes"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
