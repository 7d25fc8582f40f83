"""The one exception type that services raise to refuse a request."""


class DomainError(Exception):
    """A refusal by a service: a stable machine-readable ``code`` and a plain-words message.

    ``field`` names the input the refusal is about, when there is one, so that
    forms and serializers can show the message beside that field.
    """

    def __init__(self, code: str, message: str, *, field: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field

    def __str__(self):
        return self.message
