"""What ``client.workflows`` and ``client.chat.runs`` share: following, waiting, uploading.

Both are durable server-side jobs with a snapshot (``GET .../{id}``), an event list and a
resumable event stream. :func:`follow` turns the stream into a blocking iterator that resumes
after a drop without losing or repeating an event, within a deadline; :func:`settle` maps the
internal follow errors onto the public ones; :func:`upload_sources` turns local media into the
https URLs durable jobs require.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar
from urllib.parse import quote

from .._config import MAX_LISTING_BYTES
from .._errors import APIConnectionError, APIError, WaitTimeoutError
from .._media import MediaError, _from_data_uri
from .._options import Timeout, check_app_source, check_header_value, check_seconds
from .._params import BILLING_MODES, TOKEN_TYPES
from .._tools.follow import Follower, WorkflowFailedError, WorkflowTimeoutError
from .._tools.upload import upload_media
from ..types import ChatCompletionMessageToolCall, Function
from ._base import guarded_items
from .media import ALLOWED, kind_and_bytes, refuse_path_string

if TYPE_CHECKING:
    from .._requester import Requester

__all__ = [
    "MAX_LISTING_BYTES",
    "JobEvents",
    "check_id",
    "follow",
    "progress_callback",
    "settle",
    "tool_call",
    "upload_sources",
]

_E = TypeVar("_E")

#: Most items ``list()`` yields unless told otherwise (a server that never ends a listing).
MAX_LISTED = 10_000


def check_id(value: object, what: str) -> str:
    """``value`` as a job id, or a ``ValueError``/``TypeError`` that names ``what``."""
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a string; got {type(value).__name__}")
    if not value.strip():
        raise ValueError(f"{what} must not be empty")
    return value


def check_flag(value: object, name: str) -> bool:
    """A ``True``/``False`` keyword (``cancel_on_timeout``...), or a ``TypeError`` naming it."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False; got {value!r}")
    return value


def check_reason(value: object) -> str | None:
    """A ``reason`` sent with a cancel or a cost decision: ``None`` or a string."""
    if value is not None and not isinstance(value, str):
        raise TypeError(f"reason must be a string; got {type(value).__name__}")
    return value


def check_after(value: object) -> str:
    """An ``after=`` event id: a whole number >= 0, or a non-empty id string without spaces."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TypeError(f"after must be an event id (int or str); got {type(value).__name__}")
    if isinstance(value, int) and value < 0:
        raise ValueError(f"after must be 0 or more; got {value}")
    text = str(value)
    if not text or any(c.isspace() for c in text) or len(text) > 256:
        raise ValueError(f"after must be an event id; got {value!r}")
    return text


def path_of(collection: str, job_id: str) -> str:
    """``collection/<id>`` with the id escaped."""
    return f"{collection}/{quote(job_id, safe='')}"


def wait_budget(client: Requester, timeout: float | None) -> float:
    """The seconds a wait may take: ``timeout``, else the client's ``tool_timeout``."""
    if timeout is None:
        return client.tool_timeout
    return check_seconds(timeout)


def follow(
    client: Requester,
    path: str,
    *,
    what: str,
    seconds: float,
    after: object = None,
    budget: str | None = None,
    **behaviour: Any,
) -> Follower:
    """A :class:`Follower` of ``path`` for ``seconds``, resuming after event id ``after``.

    ``budget`` says where the seconds came from, for the timeout's message (``timeout=``).
    """
    last = None if after is None else check_after(after)
    timeout: Timeout = client.timeout
    return Follower(
        client=client,
        path=path,
        deadline=time.monotonic() + seconds,
        timeout=timeout,
        what=what,
        budget=budget or f"timeout={seconds:g} s",
        last_event_id=last,
        **behaviour,
    )


@contextlib.contextmanager
def settle(job_id: str, cancel: Callable[[str], bool] | None = None) -> Iterator[None]:
    """Translate the follower's errors into the public ones.

    A timeout cancels the job (when ``cancel`` is given) and raises :class:`WaitTimeoutError`;
    a refusal re-raises the server's error; a lost stream is an :class:`APIConnectionError`.
    """
    try:
        yield
    except WorkflowTimeoutError as exc:
        cancelled = cancel(f"the caller's timeout passed ({exc})") if cancel else False
        note = "; it was cancelled" if cancelled else ""
        raise WaitTimeoutError(f"{exc}{note}", job_id=job_id, cancelled=cancelled) from None
    except WorkflowFailedError as exc:
        cause = exc.__cause__
        if isinstance(cause, APIError):
            raise cause from None
        raise APIConnectionError(str(exc)) from None


class JobEvents(Iterator[_E], Generic[_E]):
    """A job's events as they happen: what ``workflows.stream()`` and ``runs.stream()`` return.

    A ``for`` loop gets an iterator of its own, which the loop drops when it is left, so
    leaving it early closes the connection at once (even while this object is still held);
    iterating again resumes after the last event yielded. ``next()`` reads one event at a
    time and keeps the connection open; :meth:`close` (or a ``with`` block) closes it.
    """

    def __init__(self, events: Callable[[], Iterator[_E]]) -> None:
        self._events = events
        self._current: Iterator[_E] | None = None
        self._done = False

    def _run(self) -> Iterator[_E]:
        if self._done:
            return
        yield from guarded_items(self._events())  # the key kept out of its errors' locals
        self._done = True

    def __iter__(self) -> Iterator[_E]:
        self.close()  # a next() in progress: its events were yielded, the loop goes on after
        return self._run()

    def __next__(self) -> _E:
        if self._current is None:
            self._current = self._run()
        return next(self._current)

    def close(self) -> None:
        """Close the connection, if one is open; iterating again resumes after the last event."""
        current, self._current = self._current, None
        if current is not None and hasattr(current, "close"):
            current.close()

    def __enter__(self) -> JobEvents[_E]:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def progress_callback(value: object) -> Callable[[Any, Any], Any] | None:
    """An ``on_progress`` argument: a function, ``"bar"`` (a ready display) or ``None``."""
    if value is None:
        return None
    if isinstance(value, str):
        if value != "bar":
            raise ValueError(
                f"on_progress must be a function or 'bar' (a ready progress display); got {value!r}"
            )
        from ..progress import ProgressBar  # noqa: PLC0415 - only when asked for

        return ProgressBar()
    if not callable(value):
        raise TypeError(f"on_progress must be a function or 'bar'; got {type(value).__name__}")
    import inspect  # noqa: PLC0415

    try:
        inspect.signature(value).bind(None, None)
    except TypeError:
        raise TypeError(
            "on_progress is called as on_progress(tool_call, progress): it must take two arguments"
        ) from None
    except ValueError:  # no signature to read (some builtins): trust it
        pass
    return value


def tool_call(call_id: str, name: str) -> ChatCompletionMessageToolCall:
    """A tool call object naming a job, for ``on_progress(tool_call, progress)``."""
    return ChatCompletionMessageToolCall(id=call_id, function=Function(name=name, arguments="{}"))


def upload_sources(
    client: Requester,
    sources: Sequence[Any],
    deadline: float | None = None,
    timeout: Timeout | None = None,
) -> list[dict[str, str]]:
    """``media_references`` for ``sources``: http(s) URLs kept, files and bytes uploaded.

    Each source is an http(s) URL, a data URI, bytes, a binary file or a ``pathlib.Path``
    (a path as a plain string only with the client's ``allow_local_files=True``); its kind
    is read from its content. Everything is checked before the first upload starts. All the
    uploads end by ``deadline`` (a ``time.monotonic()`` moment; without one, each within the
    client's connect + read timeout), each request within ``timeout`` (default: the client's).
    """
    if isinstance(sources, str | bytes) or not isinstance(sources, Sequence):
        raise TypeError("media must be a list of URLs, paths, bytes or files")
    prepared: list[tuple[str, str | None, bytes, str | None]] = []
    for index, given in enumerate(sources):
        source = given
        if isinstance(source, str) and source[:8].lower().startswith(("https://", "http://")):
            kind = _kind_of_url(source, index)
            prepared.append((kind, source, b"", None))
            continue
        if isinstance(source, str) and source[:5].lower() == "data:":
            try:
                source = _from_data_uri(source)()[0]
            except MediaError as exc:
                raise ValueError(f"media[{index}]: {exc}") from None
        elif isinstance(source, str) and "://" in source[:12]:
            raise ValueError(
                f"media[{index}]: {source[:40]!r} is neither an http(s) URL nor a file path"
            )
        else:
            refuse_path_string(source, f"media[{index}]", client.allow_local_files)
        try:
            kind, data, found = kind_and_bytes(source)
        except TypeError as exc:
            raise TypeError(f"media[{index}]: {exc}") from None
        except ValueError as exc:  # UnicodeDecodeError too: a file opened in text mode
            if str(exc).startswith("content type "):  # media.upload()'s words: its hint
                raise ValueError(_unrecognised(index, given)) from None
            raise ValueError(f"media[{index}]: {exc}") from None
        except OSError as exc:  # e.g. a missing file: the same class, naming the item
            raise type(exc)(exc.errno, f"media[{index}]: {exc.strerror}", exc.filename) from None
        prepared.append((kind, None, data, found))
    references = []
    connect, read = client.timeout
    for kind, given, data, content_type in prepared:
        url = given or upload_media(
            client,
            kind,  # type: ignore[arg-type]
            data,
            content_type or "application/octet-stream",
            deadline=time.monotonic() + connect + read if deadline is None else deadline,
            timeout=timeout or client.timeout,
        )
        references.append({"kind": kind, "url": url})
    return references


def _unrecognised(index: int, given: object) -> str:
    """The error for ``media=`` bytes that are no image, video or audio this client recognises."""
    taken = ", ".join(t for types in ALLOWED.values() for t in types)
    declared = (
        " (a data URI's declared type is not trusted: its bytes decide)"
        if isinstance(given, str) and given[:5].lower() == "data:"
        else ""
    )
    return (
        f"media[{index}]: its content is not a file Sogni's uploads take ({taken}), read from "
        f"its first bytes{declared}. For a file of one of these types that is not recognised, "
        "upload it with client.media.upload(file, content_type=...) and pass "
        "media_references=[{'kind': ..., 'url': ...}] instead"
    )


def _kind_of_url(url: str, index: int) -> str:
    import mimetypes  # noqa: PLC0415
    from urllib.parse import urlsplit  # noqa: PLC0415

    guessed = (mimetypes.guess_type(urlsplit(url).path)[0] or "").split("/", 1)[0]
    if guessed not in ("image", "video", "audio"):
        raise ValueError(
            f"media[{index}]: cannot tell whether {url!r} is an image, a video or audio from "
            "its name; pass media_references=[{'kind': ..., 'url': ...}] instead"
        )
    return guessed


def media_references(value: object) -> list[dict[str, Any]] | None:
    """A ``media_references`` argument checked: dicts with a kind and an http(s) url."""
    if value is None:
        return None
    if not isinstance(value, Sequence) or isinstance(value, str | bytes):
        raise TypeError("media_references must be a list of {'kind', 'url'} dicts")
    checked = []
    for index, reference in enumerate(value):
        if not isinstance(reference, Mapping):
            raise TypeError(f"media_references[{index}] must be a dict with 'kind' and 'url'")
        kind, url = reference.get("kind"), reference.get("url")
        if kind not in ("image", "video", "audio"):
            raise ValueError(
                f"media_references[{index}].kind must be 'image', 'video' or 'audio'; got {kind!r}"
            )
        if not isinstance(url, str) or not url[:8].lower().startswith(("https://", "http://")):
            raise ValueError(
                f"media_references[{index}].url must be an http(s) URL (Sogni's durable jobs "
                "take no inline media); upload files with client.media.upload() or pass "
                "media=[...]"
            )
        checked.append(dict(reference))
    return checked


#: camelCase spellings the Sogni SDKs use, for the settings durable jobs share.
SETTING_ALIASES = {
    "tokenType": "token_type",
    "billingMode": "billing_mode",
    "appSource": "app_source",
    "safeContentFilter": "safe_content_filter",
    "maxEstimatedCapacityUnits": "max_estimated_capacity_units",
    "confirmCost": "confirm_cost",
    "mediaReferences": "media_references",
    "idempotencyKey": "idempotency_key",
}
_CHOICES = {"token_type": TOKEN_TYPES, "billing_mode": BILLING_MODES}
#: The keywords :func:`settings` reads, which every durable-job call that bills takes.
SETTING_KEYWORDS = (
    "token_type",
    "billing_mode",
    "app_source",
    "safe_content_filter",
    "max_estimated_capacity_units",
    "confirm_cost",
)


def keywords(
    given: Mapping[str, Any],
    known: Sequence[str],
    function: str,
    aliases: Mapping[str, str],
    named: Sequence[str] = (),
) -> dict[str, Any]:
    """``given`` with camelCase names made snake_case and ``None`` values dropped.

    An unknown name is a ``TypeError`` with a did-you-mean hint (among ``known``, the
    aliases and the function's ``named`` parameters); a name given in both spellings is a
    ``TypeError`` too.
    """
    import difflib  # noqa: PLC0415 - only for the error message

    found: dict[str, Any] = {}
    for key, value in given.items():
        name = aliases.get(key, key)
        if name not in known:
            close = difflib.get_close_matches(key, [*known, *aliases, *named], n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise TypeError(f"{function}() got an unexpected keyword argument {key!r}{hint}")
        if value is None:
            continue
        if name in found:
            raise TypeError(f"{function}(): pass {name!r} once (it was given in two spellings)")
        found[name] = value
    return found


def settings(given: Mapping[str, Any], client: Requester) -> dict[str, Any]:
    """The billing and labelling fields of a durable job's body, checked as for chat."""
    body: dict[str, Any] = {}
    for name, choices in _CHOICES.items():
        value = given.get(name)
        if value is not None:
            if value not in choices:
                raise ValueError(f"{name} must be one of {', '.join(choices)}; got {value!r}")
            body[name] = value
    app_source = given.get("app_source", client.app_source)
    if app_source is not None:
        check_app_source(app_source)
        if not app_source.strip():
            raise ValueError("app_source must be a non-empty string")
        body["app_source"] = app_source
    for name in ("safe_content_filter", "confirm_cost"):
        value = given.get(name)
        if value is not None:
            if not isinstance(value, bool):
                raise TypeError(f"{name} must be True or False; got {value!r}")
            body[name] = value
    units = given.get("max_estimated_capacity_units")
    if units is not None:
        if isinstance(units, bool) or not isinstance(units, int | float) or not units > 0:
            raise ValueError(
                f"max_estimated_capacity_units must be a positive number; got {units!r}"
            )
        body["max_estimated_capacity_units"] = units
    return body


def idempotency_headers(given: Mapping[str, Any]) -> dict[str, str] | None:
    """The ``Idempotency-Key`` header for a caller's ``idempotency_key``, if any."""
    key = given.get("idempotency_key")
    if key is None:
        return None
    return {"Idempotency-Key": check_header_value(key, "idempotency_key")}
