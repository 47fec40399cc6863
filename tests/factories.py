import factory
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from partners.roles import Role, role_group

DEFAULT_PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    """A staff login with a verified e-mail; ``role=`` picks admin, manager (default) or analyst."""

    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}@example.com")
    email = factory.SelfAttribute("username")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    is_staff = True
    password = factory.django.Password(DEFAULT_PASSWORD)

    @factory.post_generation
    def role(user, create, extracted, **kwargs):
        if not create:
            return
        role = extracted or Role.MANAGER
        if role == Role.ADMIN:
            user.is_superuser = True
            user.save(update_fields=["is_superuser"])
        else:
            user.groups.add(role_group(role))
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
