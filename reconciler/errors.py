"""The one exception tree of reconciler.

Every error a user can meet derives from :class:`ReconcilerError`, carries its own data (file, line,
address, plan id) and its own process ``exit_code``, the way click's exceptions do::

    ReconcilerError (exit 1)
    ├── ManifestError            one or more invalid manifests (each with file:line:column, field, hint)
    ├── ConfigError              bad endpoint, missing token, bad CLI combination
    ├── CatalogError             a name in a manifest that the live catalog does not resolve
    ├── PlanError                a change the API cannot make (immutable field, ambiguous identity)
    ├── PlanFileError            a plan file that is corrupt, tampered, of another version or another target
    ├── StalePlanError           live objects changed since the plan was made
    ├── ApiError                 the API answered with an error we do not handle
    │   ├── NotFoundError        404, or a v2 400 with code ContractNotFound / CustomerNotFound
    │   ├── ConflictError        409: an ingest alias or ``uniqueness_key`` is already used
    │   ├── RateLimitedError     429 still answered after the last retry
    │   ├── ApiConnectionError   a read that kept failing to connect or timing out
    │   └── WriteOutcomeUnknownError  a write whose effect is unknown (timeout, dropped link, 5xx)
    └── ApplyError               an apply stopped at a failed operation
"""

from __future__ import annotations


class ReconcilerError(Exception):
    """Root of every reconciler error. ``exit_code`` is what the CLI exits with."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n  hint: {self.hint}" if self.hint else self.message


class ManifestError(ReconcilerError):
    """Invalid manifests. ``problems`` lists every one found; loading never stops at the first."""

    def __init__(self, problems: list) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems) or "invalid manifests")


class ConfigError(ReconcilerError):
    """The command line or environment is wrong (endpoint, token, flags)."""


class CatalogError(ReconcilerError):
    """A product, rate card, credit type or billing provider configuration name does not resolve."""


class PlanError(ReconcilerError):
    """The desired change cannot be planned safely; ``address`` names the object."""

    def __init__(self, message: str, *, address: str | None = None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.address = address


class PlanFileError(ReconcilerError):
    """A saved plan that cannot be trusted: corrupt, tampered, wrong version or another target."""


class StalePlanError(ReconcilerError):
    """The live objects a plan was made against have changed since."""

    def __init__(self, message: str, *, changed: list[str], hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.changed = changed


class ApiError(ReconcilerError):
    """An error answer from the Metronome API."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None,
                 path: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.path = path


class NotFoundError(ApiError):
    """404, or a v2 contracts 400 whose ``code`` is ContractNotFound or CustomerNotFound."""


class ApplyError(ReconcilerError):
    """Apply stopped at a failed operation; the report says what was done and what was not."""


class ConflictError(ApiError):
    """409: the object already exists (a used ``uniqueness_key`` or ingest alias). Apply reads it back."""


class RateLimitedError(ApiError):
    """429 answered to every attempt; ``retry_after`` is the server's last requested wait in seconds."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ApiConnectionError(ApiError):
    """A read that could not reach the API (connection failures or timeouts) within its attempts."""


class WriteOutcomeUnknownError(ApiError):
    """A write that may or may not have taken effect: read the object back before deciding.

    Raised for a timeout, a dropped or reset connection, or a 5xx answer to a write. ``method``, ``path``
    and ``cause`` (the class name of the underlying failure, e.g. ``ReadTimeout`` or ``HTTP 503``) say
    which call; no request or response body is kept.
    """

    def __init__(self, message: str, *, method: str, path: str, cause: str, status: int | None = None) -> None:
        super().__init__(message, status=status, path=path)
        self.method = method
        self.cause = cause
