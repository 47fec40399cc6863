"""Celery task names are explicit and stable, and every schedule beat stores names a task the worker knows."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django_celery_beat.models import PeriodicTask

from prm.celery import app as celery_app

OUR_APPS = ("partners", "programs", "prm")


def _our_tasks() -> dict:
    celery_app.loader.import_default_modules()
    return {name: task for name, task in celery_app.tasks.items() if task.__module__.split(".")[0] in OUR_APPS}


def test_every_task_has_an_explicit_name_and_pairs_with_its_service():
    # when
    tasks = _our_tasks()
    # then: named <app>[.<slice>].<service>, the function <service>_task; never the module path
    assert tasks
    for name, task in tasks.items():
        function = task.run.__name__
        assert name != f"{task.__module__}.{function}", name
        assert function == f"{name.rsplit('.', 1)[1]}_task", (name, function)
        assert name.split(".")[0] == task.__module__.split(".")[0], name


@pytest.mark.django_db
def test_every_stored_schedule_names_a_registered_task():
    # given: the schedules the migrations store (the nightly job, the run watcher, each strategy)
    stored = set(PeriodicTask.objects.values_list("task", flat=True))
    # then
    assert {"partners.partners_mark_inactive", "programs.strategies.runs_watch"} <= stored
    assert "programs.strategies.strategy_run_scheduled" in stored
    assert stored <= set(_our_tasks())


@pytest.mark.django_db
@pytest.mark.parametrize(
    "app, before, old, new",
    [
        (
            "programs",
            "0007_default_strategies_ask_partners",
            "programs.strategies.tasks.watch_runs",
            "programs.strategies.runs_watch",
        ),
        (
            "partners",
            "0014_invitation_user_login_audit",
            "partners.tasks.mark_inactive_partners",
            "partners.partners_mark_inactive",
        ),
    ],
)
def test_the_rename_migrations_move_stored_schedules_both_ways(app, before, old, new):
    # given
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes(app)
    # when: migrated back to before the rename
    executor.migrate([(app, before)])
    # then
    assert PeriodicTask.objects.filter(task=old).exists()
    assert not PeriodicTask.objects.filter(task=new).exists()
    # when: and forward again
    executor = MigrationExecutor(connection)
    executor.migrate(latest)
    # then
    assert PeriodicTask.objects.filter(task=new).exists()
    assert not PeriodicTask.objects.filter(task=old).exists()
