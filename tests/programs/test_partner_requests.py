"""What the default strategies ask of partners themselves reaches their portal and their API
token, and goes away once done; internal tasks never do."""

from datetime import timedelta
from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.html import escape

from partners.models import Partner, PartnerUser
from partners.records import services as records
from programs.strategies.models import Outcome, Strategy, StrategyVersion
from programs.strategies.services import run_start
from tests.factories import UserFactory
from tests.partners.factories import PartnerFactory

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"
ASKS = {
    "Please upload your KYC document",
    "Please upload your NDA",
    "Please propose dates for a business review",
}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def financial_partner(manager):
    """An arm's-length financial partner of 400 days with no documents and no review yet."""
    partner = PartnerFactory(name="Ledger & Co", type="financial", engagement="arms_length", owner=manager)
    Partner.objects.filter(pk=partner.pk).update(created_at=timezone.now() - timedelta(days=400))
    return partner


def _run_financial_strategy(manager, django_capture_on_commit_callbacks):
    strategy = Strategy.objects.get(partner_type="financial")
    with django_capture_on_commit_callbacks(execute=True):
        run_start(strategy_id=strategy.pk, actor=manager, trigger="manual")


def _partner_login(client, partner):
    user = UserFactory(is_staff=False)
    PartnerUser.objects.create(user=user, partner=partner, role="partner_admin")
    client.force_login(user)
    return user


def test_the_partner_sees_what_is_asked_of_it_and_not_the_managers_tasks(
    client, manager, financial_partner, django_capture_on_commit_callbacks
):
    # given
    _run_financial_strategy(manager, django_capture_on_commit_callbacks)
    _partner_login(client, financial_partner)
    # when
    home = client.get("/partner/").content.decode()
    api = client.get("/api/v1/outcomes/?state=open").json()
    # then
    internal = Outcome.objects.filter(partner=financial_partner, audience="manager").values_list("title", flat=True)
    assert {"KYC document missing for Ledger & Co", "Hold the annual review"} <= set(internal)
    assert {outcome["title"] for outcome in api["results"]} == ASKS
    assert all(title in home for title in ASKS)
    assert 'href="/partner/documents/"><i class="bi bi-file-earmark-arrow-up' in home  # where to upload
    assert f"mailto:{manager.email}?subject=Please%20propose%20dates%20for%20a%20business%20review" in home
    assert not any(escape(title) in home for title in internal)


def test_an_upload_closes_its_request_on_the_next_run(
    client, manager, financial_partner, django_capture_on_commit_callbacks
):
    # given
    _run_financial_strategy(manager, django_capture_on_commit_callbacks)
    user = _partner_login(client, financial_partner)
    records.document_add(
        partner_id=financial_partner.pk, actor=user, kind="kyc", title="KYC", file=SimpleUploadedFile("k.pdf", PDF)
    )
    # when
    _run_financial_strategy(manager, django_capture_on_commit_callbacks)
    # then
    request = Outcome.objects.get(partner=financial_partner, title="Please upload your KYC document")
    assert request.state == "resolved"
    open_titles = {outcome["title"] for outcome in client.get("/api/v1/outcomes/?state=open").json()["results"]}
    assert open_titles == ASKS - {"Please upload your KYC document"}
    assert "Please upload your KYC document" not in client.get("/partner/").content.decode()


def test_the_migration_leaves_edited_strategies_alone_and_runs_once(manager):
    # given: one default strategy edited by a manager at version 1 (as if before the migration)
    ask_partners = import_module("programs.migrations.0007_default_strategies_ask_partners").ask_partners
    edited = Strategy.objects.get(partner_type="channel")
    first = StrategyVersion.objects.get(strategy=edited, number=1)
    first.rules = [{"kind": "inactivity", "params": {"days": 45}, "scope": {}}]
    first.save(update_fields=["rules"])
    edited.current_version = first
    edited.save(update_fields=["current_version"])
    StrategyVersion.objects.filter(strategy=edited, number__gte=2).delete()
    before = {strategy.pk: strategy.current_version_id for strategy in Strategy.objects.all()}
    # when
    ask_partners(django_apps, None)
    # then: nothing is published again, and the edited strategy keeps its own rules
    assert {strategy.pk: strategy.current_version_id for strategy in Strategy.objects.all()} == before
    assert StrategyVersion.objects.filter(strategy=edited).count() == 1
    assert all(
        rule["params"].get("ask_partner") is True
        for strategy in Strategy.objects.exclude(pk=edited.pk).select_related("current_version")
        for rule in strategy.current_version.rules
        if rule["kind"] in ("review_cadence", "document_compliance")
    )
