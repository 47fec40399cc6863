"""An import hands the partners it created or changed to their strategies: one run per strategy."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from partners.imports.services import import_file_store, import_run, import_start
from partners.models import Partner
from programs.strategies.models import Strategy, StrategyRun

pytestmark = pytest.mark.django_db


def test_an_import_starts_one_event_run_per_strategy_over_its_partners(manager, django_capture_on_commit_callbacks):
    # given: three channel partners and two technology partners in one file
    rows = [f"imp-{n},Partner {n},{'channel' if n < 3 else 'technology'},DE" for n in range(5)]
    content = ("external_id,name,type,country\n" + "\n".join(rows) + "\n").encode()
    stored = import_file_store(upload=SimpleUploadedFile("p.csv", content), kind="partners", actor=manager)
    run = import_start(file=stored, actor=manager, dry_run=False)
    StrategyRun.objects.all().delete()
    # when: the job runs and its after-commit work with it
    with django_capture_on_commit_callbacks(execute=True):
        assert import_run(import_id=run.pk) == "done"
    # then: the channel and the technology strategies each got one run over their own partners
    ids = dict(Partner.objects.filter(external_id__startswith="imp-").values_list("external_id", "pk"))
    runs = {r.strategy.partner_type: r for r in StrategyRun.objects.select_related("strategy")}
    assert set(runs) == {"channel", "technology"}
    assert runs["channel"].partner_ids == sorted(ids[f"imp-{n}"] for n in range(3))
    assert runs["technology"].partner_ids == sorted(ids[f"imp-{n}"] for n in range(3, 5))
    assert {r.trigger for r in runs.values()} == {StrategyRun.Trigger.EVENT}
    assert Strategy.objects.filter(partner_type="channel").count() == 1


def test_a_dry_run_starts_no_run(manager, django_capture_on_commit_callbacks):
    # given
    content = b"external_id,name,type,country\nimp-x,Partner X,channel,DE\n"
    stored = import_file_store(upload=SimpleUploadedFile("p.csv", content), kind="partners", actor=manager)
    run = import_start(file=stored, actor=manager, dry_run=True)
    StrategyRun.objects.all().delete()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        import_run(import_id=run.pk)
    # then
    assert not StrategyRun.objects.exists()
