"""The one place where API keys are hidden: a registry of live keys and what masks them.

Every error passes its text through :func:`mask`: the keys of live clients
(:func:`register_secret`) are replaced by ``***`` wherever a server echoed them. Excerpts are
masked before they are cut (a cut key would escape the mask). :class:`Secret` holds the key
and its header with a masked ``repr``; :func:`scrub` clears the locals of finished frames
behind an error that may hold a key.
"""

from __future__ import annotations

import collections
import copy
import logging
import re
import threading
import traceback
from typing import Any

import attrs

__all__ = [
    "MIN_SECRET_LENGTH",
    "MaskingFilter",
    "Secret",
    "chain_echoes",
    "check_api_key",
    "excerpt",
    "forget_secret",
    "mask",
    "mask_value",
    "masking",
    "register_secret",
    "scrub",
    "scrub_held",
]

#: How much of a non-JSON error body is kept as the message.
_EXCERPT_LENGTH = 300
#: Keys shorter than this are not masked: they are not secrets, and hiding every occurrence
#: of, say, ``"x"`` would mangle the text around it.
MIN_SECRET_LENGTH = 8


class _Secrets:
    """The keys of live clients, each with its whole-token pattern and a count of holders.

    A client's key is forgotten by a garbage-collection finalizer, which may run in the middle
    of :meth:`add` on the same thread: :meth:`discard` therefore never waits for the lock. It
    queues the key and applies the queue when the lock is free, or leaves it to the holder.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: dict[str, tuple[re.Pattern[str], int]] = {}
        self._forgotten: collections.deque[str] = collections.deque()
        #: ``(key, pattern)`` pairs, replaced (never mutated) so readers need no lock.
        self.patterns: tuple[tuple[str, re.Pattern[str]], ...] = ()

    def add(self, secret: str) -> None:
        # The key not followed by a letter or digit; where it starts is judged by _starts_token.
        made = re.compile(rf"{re.escape(secret)}(?![A-Za-z0-9])")
        with self._lock:
            pattern, count = self._held.get(secret, (made, 0))
            self._held[secret] = (pattern, count + 1)
            self._apply_forgotten()
            self._publish()

    def discard(self, secret: str) -> None:
        self._forgotten.append(secret)
        if self._lock.acquire(blocking=False):
            try:
                self._apply_forgotten()
                self._publish()
            finally:
                self._lock.release()

    def _apply_forgotten(self) -> None:
        while self._forgotten:
            secret = self._forgotten.popleft()
            entry = self._held.get(secret)
            if entry is None:
                continue
            if entry[1] > 1:
                self._held[secret] = (entry[0], entry[1] - 1)
            else:
                del self._held[secret]

    def _publish(self) -> None:
        self.patterns = tuple((key, found) for key, (found, _) in self._held.items())


_SECRETS = _Secrets()


def register_secret(secret: str) -> None:
    """Mask ``secret`` in every error and log line from now on (until :func:`forget_secret`)."""
    if len(secret) >= MIN_SECRET_LENGTH:
        _SECRETS.add(str(secret))


def forget_secret(secret: str) -> None:
    """Undo one :func:`register_secret` (called when a client is garbage-collected)."""
    _SECRETS.discard(str(secret))


def mask(text: str) -> str:
    """``text`` with every registered key (as a whole token) replaced by ``***``."""
    for secret, pattern in _SECRETS.patterns:
        if secret in text:
            text = _masked(text, pattern)
    return text


_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_HEX = frozenset("0123456789abcdefABCDEF")


def _starts_token(text: str, start: int) -> bool:
    r"""Whether a key found at ``start`` begins a token: not inside a run of letters and digits.

    Right after a JSON escape such as ``\n``, or a percent-encoded character such as ``%20``
    (``Bearer%20<key>``), counts as a token start: raw bodies and echoed URLs hold those.
    """
    before = text[start - 1] if start else ""
    if before not in _ALNUM:
        return True
    if start >= 2 and text[start - 2] == "\\" and before in "nrtbf":
        return True
    return start >= 3 and text[start - 3] == "%" and text[start - 2] in _HEX and before in _HEX


def _masked(text: str, pattern: re.Pattern[str]) -> str:
    """``text`` with each match of ``pattern`` that starts a token replaced by ``***``."""
    pieces: list[str] = []
    kept = position = 0
    while (found := pattern.search(text, position)) is not None:
        start = found.start()
        if _starts_token(text, start):
            pieces += (text[kept:start], "***")
            kept = position = found.end()
        else:
            position = start + 1
    if not pieces:
        return text
    pieces.append(text[kept:])
    return "".join(pieces)


class Secret(str):
    """A string whose ``repr`` hides it: for the key and the header that carries it.

    Frame locals in tracebacks (``capture_locals``, ``pytest --showlocals``) and reprs of
    header dicts show ``'***'``; ``str()`` and formatting give the real value. A pickle or a
    deep copy holds the masked text (an error's chained request, say, pickled by tblib):
    a client pickles its key by its own means.
    """

    __slots__ = ()

    def _masked(self) -> str:
        return ("Bearer " if self.startswith("Bearer ") else "") + "***"

    def __repr__(self) -> str:
        return repr(self._masked())

    def __reduce__(self) -> tuple[Any, ...]:
        return (Secret, (self._masked(),))


class MaskingFilter(logging.Filter):
    """Masks registered keys in every record of the package's logger (attached at import)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message when it holds a key; never drops a record."""
        if _SECRETS.patterns:
            message = record.getMessage()
            masked = mask(message)
            if masked != message:
                record.msg, record.args = masked, None
        return True


#: How deep :func:`mask_value` walks; deeper parts are replaced by a placeholder.
_MASK_DEPTH = 200


def mask_value(value: object, _depth: int = 0) -> object:
    """A copy of a value with registered keys masked in every string, keys and attrs fields too.

    JSON-like values (dicts, lists, strings) and attrs objects (the package's response types)
    are walked; anything else is returned as it is. Unchanged parts are not copied.
    """
    if not _SECRETS.patterns or value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return mask(value)
    if _depth > _MASK_DEPTH:
        return "<a value nested too deeply to show>"
    if isinstance(value, list | tuple):
        items = [mask_value(item, _depth + 1) for item in value]
        changed = any(a is not b for a, b in zip(items, value, strict=True))
        return (
            type(value)(items)
            if changed and isinstance(value, tuple)
            else (items if changed else value)
        )
    if isinstance(value, dict):
        pairs = [(mask_value(k, _depth + 1), mask_value(v, _depth + 1)) for k, v in value.items()]
        changed = any(
            a is not k or b is not v for (a, b), (k, v) in zip(pairs, value.items(), strict=True)
        )
        return dict(pairs) if changed else value
    if attrs.has(type(value)):
        copied = None
        for field in attrs.fields(type(value)):  # type: ignore[arg-type]
            old = getattr(value, field.name, None)
            new = mask_value(old, _depth + 1)
            if new is not old:
                if copied is None:
                    copied = copy.copy(value)
                object.__setattr__(copied, field.name, new)
        return value if copied is None else copied
    return value


def chain_echoes(error: BaseException) -> bool:
    """Whether an exception chained behind ``error`` quotes a registered key."""
    if not _SECRETS.patterns:
        return False
    seen: set[int] = set()
    current: BaseException | None = error.__cause__ or error.__context__
    while current is not None and id(current) not in seen and len(seen) < 16:
        seen.add(id(current))
        try:
            text = f"{current!r} {current}"
        except Exception:
            return True
        if mask(text) != text:
            return True
        current = current.__cause__ or current.__context__
    return False


def excerpt(text: str, length: int = _EXCERPT_LENGTH) -> str:
    """The start of ``text``, masked *before* it is cut (a cut key would escape the mask)."""
    text = mask(text)
    if len(text) > length:
        text = text[: length - 3].rstrip() + "..."
    return text


def masking() -> bool:
    """Whether any key is registered (so that masking can change anything)."""
    return bool(_SECRETS.patterns)


def scrub(error: BaseException) -> None:
    """Drop the locals of the finished frames behind ``error`` when they may hold a key.

    That is when a server echoed a key into the error (the frames that read and parsed the
    answer hold the echoed text) and after every transport failure (``http.client``'s frames
    hold the request as it was sent, ``Authorization`` header included). ``capture_locals``
    tracebacks (``pytest --showlocals``, Sentry) would print them. Running frames keep theirs.
    """
    if not getattr(error, "_scrub", False):
        return
    if chain_echoes(error):
        # The transport's own exceptions quote what the server sent: drop them from the chain
        # (a plain traceback, or tblib's pickling, would show them).
        error.__cause__ = None
        error.__context__ = None
        error.__suppress_context__ = True
    _clear_chain(error)


def scrub_held(error: BaseException) -> None:
    """:func:`scrub`, also when a finished frame behind ``error`` holds a key in its locals.

    For paths that carry what a server sent through many frames (a durable run's snapshot, a
    workflow's failure): wherever an error is raised there, a local quoting a registered key
    (a string, or one inside a dict, list or response object; bytes too) gets every finished
    frame behind the error cleared, as :func:`scrub` does for an echo in the error itself.
    """
    if not _SECRETS.patterns:
        return
    if not getattr(error, "_scrub", False):
        if not _frames_hold_key(error):
            return
        try:
            error._scrub = True  # type: ignore[attr-defined]
        except AttributeError:  # an exception class with __slots__: clear its frames anyway
            _clear_chain(error)
            return
    scrub(error)


def _frames_hold_key(error: BaseException) -> bool:
    """Whether a local of a frame behind ``error`` (or its chain) quotes a registered key."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen and len(seen) < 16:
        seen.add(id(current))
        trace = current.__traceback__
        while trace is not None:
            for value in trace.tb_frame.f_locals.values():
                if _quotes_key(value):
                    return True
            trace = trace.tb_next
        current = current.__cause__ or current.__context__
    return False


#: How many values :func:`_quotes_key` looks at in one local before assuming it holds a key.
_QUOTE_SCAN_LIMIT = 100_000


def _quotes_key(value: object) -> bool:
    """Whether ``value`` quotes a registered key: a string, bytes, or one inside them.

    Dicts, lists, tuples, sets and attrs objects are looked through. A :class:`Secret` does not
    count: its repr is masked already.
    """
    stack: list[tuple[object, int]] = [(value, 0)]
    looked = 0
    while stack:
        item, depth = stack.pop()
        looked += 1
        if looked > _QUOTE_SCAN_LIMIT or depth > _MASK_DEPTH:
            return True  # too big to look through: assume it may
        if isinstance(item, Secret) or item is None or isinstance(item, bool | int | float):
            continue
        if isinstance(item, str):
            if mask(item) != item:
                return True
        elif isinstance(item, bytes | bytearray):
            text = bytes(item).decode("latin-1")
            if mask(text) != text:
                return True
        elif isinstance(item, dict):
            stack.extend((part, depth + 1) for pair in item.items() for part in pair)
        elif isinstance(item, list | tuple | set | frozenset):
            stack.extend((part, depth + 1) for part in item)
        elif attrs.has(type(item)):
            fields = getattr(item, "__dict__", None)
            if isinstance(fields, dict):  # the response types: all they hold, extras too
                stack.append((fields, depth + 1))
            else:
                stack.extend(
                    (getattr(item, field.name, None), depth + 1)
                    for field in attrs.fields(type(item))  # type: ignore[arg-type]
                )
    return False


def _clear_chain(error: BaseException) -> None:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen and len(seen) < 16:
        seen.add(id(current))
        traceback.clear_frames(current.__traceback__)
        current = current.__cause__ or current.__context__


def check_api_key(api_key: object) -> Secret:
    """The key as a :class:`Secret`; a bad key is refused without echoing it."""
    if not isinstance(api_key, str) or not api_key.strip():
        raise TypeError("api_key must be a non-empty string")
    for position, char in enumerate(api_key):
        code = ord(char)
        if code > 255 or code < 32 or code == 127:
            what = "a line break" if char in "\r\n" else f"the character U+{code:04X}"
            raise ValueError(
                f"api_key contains {what} at position {position}, which cannot be sent in an "
                "HTTP header (a key pasted with a stray quote or an invisible character?); "
                "copy the key again"
            )
    if api_key != api_key.strip():
        raise ValueError("api_key starts or ends with spaces; copy the key again")
    return Secret(api_key)
