"""The public import path lists exactly the public names."""

from __future__ import annotations

import types

import sogni_compat


def test_all_lists_every_public_name() -> None:
    """__all__ equals the set of public names defined in the package root (submodules aside)."""
    public = {
        name
        for name in dir(sogni_compat)
        if not name.startswith("_")
        and not isinstance(getattr(sogni_compat, name), types.ModuleType)
    }
    assert set(sogni_compat.__all__) == public | {"__version__"}


def test_exception_tree() -> None:
    """The exceptions nest as in the openai SDK."""
    s = sogni_compat
    for cls in (
        s.BadRequestError,
        s.AuthenticationError,
        s.PaymentRequiredError,
        s.PermissionDeniedError,
        s.NotFoundError,
        s.ConflictError,
        s.UnprocessableEntityError,
        s.RateLimitError,
        s.InternalServerError,
    ):
        assert issubclass(cls, s.APIStatusError)
    assert issubclass(s.APIStatusError, s.APIError)
    assert issubclass(s.APITimeoutError, s.APIConnectionError)
    assert issubclass(s.APIConnectionError, s.APIError)
    assert issubclass(s.APIResponseValidationError, s.APIError)
    assert issubclass(s.APIError, s.OpenAIError)
