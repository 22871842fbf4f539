"""The base of the resource namespaces: a namespace bound to the client's request path.

Every public method of a namespace is wrapped by :func:`guarded` when its class is made: an
exception leaving it (or leaving the iterator it returns) has the frames behind it cleared
when they may show an API key, as the chat path's request path does for its own errors (see
:func:`sogni_compat._secrets.scrub_held`). One mechanism, so a new method or a new ``raise``
cannot forget it.
"""

from __future__ import annotations

import functools
import types
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, ClassVar, ParamSpec, TypeVar

from .._secrets import scrub_held

if TYPE_CHECKING:
    from .._requester import Requester

__all__ = ["Resource", "guarded", "guarded_items"]

_P = ParamSpec("_P")
_R = TypeVar("_R")


def guarded(function: Callable[_P, _R]) -> Callable[_P, _R]:
    """``function``, with the key kept out of the traceback locals of what it raises.

    An exception leaving ``function``, or a generator it returns, goes through
    :func:`~sogni_compat._secrets.scrub_held` first. (An iterator object of the package's own,
    such as the ``JobEvents`` of ``stream()``, passes its items through :func:`guarded_items`.)
    """

    @functools.wraps(function)
    def call(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            result = function(*args, **kwargs)
        except BaseException as exc:
            scrub_held(exc)
            raise
        if isinstance(result, types.GeneratorType):
            return guarded_items(result)  # type: ignore[return-value]
        return result

    call.__guarded__ = True  # type: ignore[attr-defined]
    return call


def guarded_items(items: Iterator[Any]) -> Iterator[Any]:
    """``items``, passing on each; an exception from them goes through ``scrub_held``."""
    try:
        yield from items
    except GeneratorExit:
        raise
    except BaseException as exc:
        scrub_held(exc)
        raise


class Resource:
    """A namespace bound to a client (``client.chat.completions``, ``client.models``).

    Subclasses' public methods are wrapped by :func:`guarded`, except those named in
    ``_unguarded`` (the chat path's own, which its request path and streams already guard,
    and which stay free of the extra call).
    """

    _client: Requester
    #: Public methods of this class left as they are.
    _unguarded: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, client: Requester) -> None:
        self._client = client

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name, value in list(vars(cls).items()):
            if name.startswith("_") or name in cls._unguarded:
                continue
            if not isinstance(value, types.FunctionType):
                continue
            if not getattr(value, "__guarded__", False):
                setattr(cls, name, guarded(value))
