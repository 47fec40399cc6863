"""Domain errors: raised by services, mapped to HTTP in one place (prm.api.exception_handler)."""


class DomainError(Exception):
    """A business rule refused the operation. ``code`` is stable; clients may rely on it."""

    status_code = 400
    code = "domain_error"
    default_message = "The operation is not allowed."

    def __init__(self, message: str | None = None, *, code: str | None = None, **extra) -> None:
        self.message = message or self.default_message
        if code:
            self.code = code
        self.extra = extra
        super().__init__(self.message)


class NotFound(DomainError):
    status_code = 404
    code = "not_found"
    default_message = "Not found."


class Conflict(DomainError):
    status_code = 409
    code = "conflict"
    default_message = "The request conflicts with the current state."


class PreconditionFailed(DomainError):
    status_code = 412
    code = "precondition_failed"
    default_message = "The resource was changed since you read it."


class FieldErrors(DomainError):
    """Validation failures with a nested shape (``{"rules": {"2": {"params": {"days": [...]}}}}``);
    the API answers 400 with exactly this body, like any other validation error."""

    status_code = 400
    code = "invalid"
    default_message = "Some fields are not valid."

    def __init__(self, errors: dict) -> None:
        super().__init__()
        self.errors = errors
