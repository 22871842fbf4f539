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
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, ClassVar, ParamSpec, TypeVar

from .._secrets import scrub_held

if TYPE_CHECKING:
    from .._requester import Requester

__all__ = ["Resource", "guarded", "guarded_items", "listing", "offered"]

_P = ParamSpec("_P")
_R = TypeVar("_R")


def _renamed(error: BaseException, function: Callable[..., Any], shown: str) -> TypeError | None:
    """Python's own error for a call that does not fit ``function``'s signature, reworded.

    ``Workflows.list() got an unexpected keyword argument 'x'`` names the class; the package's
    own messages name what the caller typed (``workflows.list()``), so Python's are reworded
    the same way. ``None`` for any other error (one raised inside ``function``).
    """
    trace = error.__traceback__
    prefix = f"{getattr(function, '__qualname__', '')}()"
    if type(error) is not TypeError or trace is None or trace.tb_next is not None:
        return None
    text = str(error)
    if not text.startswith(prefix):
        return None
    return TypeError(f"{shown}(){text[len(prefix) :]}")


def guarded(function: Callable[_P, _R], shown: str | None = None) -> Callable[_P, _R]:
    """``function``, with the key kept out of the traceback locals of what it raises.

    An exception leaving ``function``, or a generator it returns, goes through
    :func:`~sogni_compat._secrets.scrub_held` first. (An iterator object of the package's own,
    such as the ``JobEvents`` of ``stream()``, passes its items through :func:`guarded_items`.)
    ``shown`` (``"workflows.list"``) names the method in Python's own errors for a call that
    does not fit its signature, as the package's messages name it.
    """

    @functools.wraps(function)
    def call(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            result = function(*args, **kwargs)
        except BaseException as exc:
            renamed = None if shown is None else _renamed(exc, function, shown)
            if renamed is not None:
                raise renamed from None
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
    #: Where the namespace is on the client (``"workflows.templates"``), for error messages.
    _path: ClassVar[str] = ""

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
                setattr(cls, name, guarded(value, f"{cls._path}.{name}" if cls._path else None))


def offered(namespace: object) -> list[str]:
    """The public names a namespace offers (its methods and sub-namespaces), sorted."""
    return sorted(name for name in dir(namespace) if not name.startswith("_"))


def listing(lead: str, names: Iterable[str]) -> str:
    """``"<lead> a, b and c"``: what a namespace serves, for an error message."""
    items = list(names)
    if len(items) < 2:
        return f"{lead} {''.join(items) or 'nothing'}"
    return f"{lead} {', '.join(items[:-1])} and {items[-1]}"
