"""OpenAPI extensions: describe our authentication to drf-spectacular."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "prm.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <key>` or `Bearer <key>`; create one with `manage.py api_token USERNAME`.",
        }


IDEMPOTENCY_PARAMETER = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "schema": {"type": "string", "maxLength": 255},
    "description": (
        "Optional. A retry with the same key and body returns the first successful response again "
        "(header `Idempotent-Replayed: true`) and creates nothing twice; the same key with another body "
        "is a 422, a retry while the first request runs a 409 with `Retry-After`."
    ),
}


def add_idempotency_key_header(result, generator, request, public):
    """Postprocessing hook: every POST accepts the ``Idempotency-Key`` header (prm.idempotency)."""
    for operations in result.get("paths", {}).values():
        post = operations.get("post")
        if post is not None:
            post.setdefault("parameters", []).append(IDEMPOTENCY_PARAMETER)
    return result
