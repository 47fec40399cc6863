"""`manage.py demo_logins`: the logins `make run` prints, staff first, then (after seeding) a
partner admin and a partner member who can use the partner portal."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from partners.management.commands.demo_logins import DEMO_PASSWORD
from partners.models import PartnerUser
from partners.roles import role_of
from tests.partners.factories import PartnerFactory

pytestmark = pytest.mark.django_db
User = get_user_model()


def _run(*args) -> str:
    out = StringIO()
    call_command("demo_logins", *args, stdout=out)
    return out.getvalue()


def test_staff_logins_are_created_once_with_their_roles():
    # when
    first, second = _run(), _run()
    # then
    roles = {user.email: role_of(user) for user in User.objects.all()}
    assert roles == {"admin@openprm.local": "admin", "maria@openprm.local": "manager", "tom@openprm.local": "manager"}
    assert first.count(DEMO_PASSWORD) == 3
    assert second.count("(existing, unchanged)") == 3


def test_partner_logins_wait_for_seeded_partners():
    # when
    out = _run("--partner")
    # then
    assert "run seed_demo first" in out
    assert not PartnerUser.objects.exists()


def test_partner_logins_belong_to_the_first_active_partner_maria_manages(client):
    # given
    _run()
    maria = User.objects.get(email="maria@openprm.local")
    PartnerFactory(name="Aardvark Tools", status="active")  # someone else's
    PartnerFactory(name="Zeta Data", status="active", owner=maria)
    chosen = PartnerFactory(name="Helix Health", status="active", owner=maria)
    PartnerFactory(name="Abacus Ltd", status="prospect", owner=maria)
    # when
    out = _run("--partner")
    # then
    links = {link.user.email: (link.partner_id, link.role) for link in PartnerUser.objects.select_related("user")}
    assert links == {
        "pat@partner.openprm.local": (chosen.pk, "partner_admin"),
        "mo@partner.openprm.local": (chosen.pk, "partner_member"),
    }
    assert "at Helix Health" in out
    assert client.login(username="pat@partner.openprm.local", password=DEMO_PASSWORD)
    assert client.get("/partner/").status_code == 200
