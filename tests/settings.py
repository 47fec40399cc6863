"""Test settings: production settings with fast hashing and a broker and cache of their own."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-with-enough-length-and-entropy-1234567890")

from prm.settings import *  # noqa: F403
from prm.settings import CACHES, REDIS_URL, _redis_db, env

# logical databases 2 and 3, so a `make run` beside the tests never consumes test tasks
CELERY_BROKER_URL = env.str("TEST_BROKER_URL", default=_redis_db(REDIS_URL, 2))
CACHES["default"]["LOCATION"] = env.str("TEST_CACHE_URL", default=_redis_db(REDIS_URL, 3))
# unit tests run tasks in-process; tests marked `worker` publish to a real worker instead
CELERY_TASK_ALWAYS_EAGER = env.bool("TEST_CELERY_EAGER", default=True)
CELERY_TASK_EAGER_PROPAGATES = True

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# static files come from the finders in tests; the empty root keeps WhiteNoise quiet
STATIC_ROOT = BASE_DIR / "var" / "test-static"  # noqa: F405
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = True
# tests log staff in without a second factor; tests of prm.mfa turn it on with the settings fixture
MFA_REQUIRED_FOR_STAFF = False
