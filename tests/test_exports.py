"""The public import path lists exactly the public names."""

from __future__ import annotations

import types

import sogni_compat

#: The module-level client's settings: public attributes, deliberately not star-exported.
SETTINGS = {
    "api_key",
    "base_url",
    "timeout",
    "max_retries",
    "default_headers",
    "default_query",
    "http_client",
    "app_source",
    "organization",
    "project",
}


def test_all_lists_every_public_name() -> None:
    """__all__ equals the public names of the package root (submodules and settings aside)."""
    public = {
        name
        for name in dir(sogni_compat)
        if not name.startswith("_")
        and not isinstance(getattr(sogni_compat, name), types.ModuleType)
    }
    assert set(sogni_compat.__all__) == (public - SETTINGS) | {"__version__"}
    assert public >= SETTINGS


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


def test_every_exported_name_resolves() -> None:
    """Each name in __all__ (lazy ones included) is importable from the package and types."""
    for name in sogni_compat.__all__:
        assert getattr(sogni_compat, name) is not None
    for name in sogni_compat.types.__all__:
        assert getattr(sogni_compat.types, name) is not None
    assert sogni_compat.Stream.__module__ == "sogni_compat._streaming"


def test_plain_import_leaves_streaming_and_tools_for_later() -> None:
    """Import sogni_compat does not load the streaming, tool-loop or testing modules."""
    import subprocess
    import sys

    code = (
        "import sys, sogni_compat; "
        "print(sorted(m for m in sys.modules if m.startswith('sogni_compat')))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    for module in ("_streaming", "_sse", "_tools", "types.chunk", "types.tools", "testing"):
        assert f"sogni_compat.{module}'" not in loaded
    assert "sogni_compat._client'" in loaded


def test_parameter_types_load_on_first_use_and_mypy_never() -> None:
    """The request's parameter types import on first use; nothing imports mypy (the plugin's)."""
    import subprocess
    import sys

    code = (
        "import sys, sogni_compat, sogni_compat.types.chat, sogni_compat.types.responses\n"
        "from sogni_compat.testing import LocalSogniServer\n"
        "with LocalSogniServer() as server, server.client() as client:\n"
        "    client.chat.completions.create(messages=[{'role': 'user', 'content': 'hi'}])\n"
        "    client.responses.create(input='hi')\n"
        "print(sorted(m for m in sys.modules if m.startswith(('sogni_compat.', 'mypy'))))\n"
        "from sogni_compat.types.chat import ChatCompletionMessageParam\n"
        "from sogni_compat.types.responses import ResponseInputParam\n"
        "from sogni_compat.types import ToolParam\n"
        "print(sorted(m for m in sys.modules if m.startswith('sogni_compat.types._')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    before, after = done.stdout.splitlines()
    for module in ("types._chat_params", "types._response_params", "mypy_plugin"):
        assert f"sogni_compat.{module}'" not in before
    assert "'mypy" not in before
    assert "'sogni_compat.types._chat_params'" in after
    assert "'sogni_compat.types._response_params'" in after


def test_a_successful_call_does_not_import_tenacity() -> None:
    """Import, client and one successful call leave tenacity unimported (it loads on a retry)."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from sogni_compat.testing import LocalSogniServer\n"
        "with LocalSogniServer() as server, server.client() as client:\n"
        "    client.chat.completions.create(messages=[{'role': 'user', 'content': 'hi'}])\n"
        "    print('tenacity' in sys.modules)\n"
        "    server.fail_next(status=503)\n"
        "    client.with_options(max_retries=1).chat.completions.create(\n"
        "        messages=[{'role': 'user', 'content': 'hi'}])\n"
        "    print('tenacity' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "True"]


def test_plain_import_leaves_the_request_checks_and_cattrs_for_later() -> None:
    """Import sogni_compat builds no request classes and loads no cattrs (the first call does)."""
    import subprocess
    import sys

    code = (
        "import sys, sogni_compat\n"
        "print(sorted(m for m in sys.modules if m.startswith(('sogni_compat.', 'cattrs'))))\n"
        "from sogni_compat.testing import LocalSogniServer\n"
        "with LocalSogniServer() as server, server.client() as client:\n"
        "    client.chat.completions.create(messages=[{'role': 'user', 'content': 'hi'}])\n"
        "    print('sogni_compat._params' in sys.modules, 'cattrs' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    loaded, after_call = done.stdout.splitlines()
    for module in ("sogni_compat._params", "sogni_compat._convert", "cattrs"):
        assert f"'{module}'" not in loaded
    # The first request needs the checks; a plain answer still needs no cattrs.
    assert after_call == "True False"
