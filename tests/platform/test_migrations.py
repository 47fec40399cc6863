from io import StringIO

from django.core.management import call_command


def test_models_and_migrations_agree(db):
    # when: the same check CI would run as `manage.py makemigrations --check`
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    # then
    assert "No changes detected" in out.getvalue()
