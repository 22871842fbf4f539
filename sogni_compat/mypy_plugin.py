"""A mypy plugin: a wrong keyword of ``create(...)`` is reported as one line, naming it.

Enable it in your mypy configuration (``pyproject.toml``)::

    [tool.mypy]
    plugins = ["sogni_compat.mypy_plugin"]

(or ``plugins = sogni_compat.mypy_plugin`` in ``mypy.ini``/``setup.cfg``). mypy must run in an
environment where ``sogni_compat`` is installed. pyright needs no plugin.

Why: ``chat.completions.create`` and ``responses.create`` are overloaded on ``stream`` (a
``Stream`` for ``stream=True``, a ``ChatCompletion``/``Response`` otherwise). For a call that
matches no overload (``temperature="hot"``), mypy says "No overload variant ... matches" and
prints every overload in full, each with some 80 keywords: about 11 KB for one mistake, with
nothing naming the keyword. mypy has no option to shorten it, and a signature hook cannot help
(mypy applies it to each overload and checks the call as overloaded again).

What it does: once mypy has analysed ``sogni_compat``, callers see each of these methods as ONE
signature (``stream: bool | None``, the other keywords as declared), so mypy checks each
argument on its own: ``Argument "temperature" to "create" of "Completions" has incompatible
type "str"; expected "float | None"``. A method hook then gives the call the return type the
overloads would have chosen from its ``stream`` argument (no ``stream``: the non-streaming
one). The error codes of such calls are then ``arg-type``/``call-arg`` instead of
``call-overload``. Nothing else changes. This module imports nothing of ``sogni_compat`` (mypy
importing it runs the package's ``__init__``, as any submodule import does), and nothing of
the package imports it: ``import sogni_compat`` never imports mypy.

It relies on parts of mypy that are not its documented plugin interface (the analyser's
``schedule_patch``, building a ``FuncDef``), unchanged from mypy 1.8 to 2.4;
``tests/test_mypy_plugin.py`` runs it with the installed mypy. Should the merge fail on a later
mypy, the plugin leaves the overloads as they are, and mypy reports as it would without it.
"""

from __future__ import annotations

from collections.abc import Callable

from mypy.nodes import (
    ARG_NAMED_OPT,
    ARG_STAR2,
    Block,
    FuncDef,
    OverloadedFuncDef,
    SymbolTableNode,
    Var,
)
from mypy.plugin import ClassDefContext, MethodContext, Plugin
from mypy.state import state
from mypy.subtypes import is_subtype
from mypy.typeops import make_simplified_union
from mypy.types import (
    AnyType,
    Instance,
    NoneType,
    Overloaded,
    Type,
    TypedDictType,
    TypeOfAny,
    UnionType,
    get_proper_type,
)

#: Overloaded methods to merge, by the fullname of the base class of their class.
_BASE = "sogni_compat.resources._base.Resource"
#: Fullnames of the methods to merge (only those whose overloads differ in ``stream``).
_METHODS = frozenset(
    {
        "sogni_compat.resources.chat.Completions.create",
        "sogni_compat.resources.responses.Responses.create",
    }
)

#: Where the original overloads are kept in the class's symbol table (serialised with it, so
#: a cached run finds them too).
_KEPT = "__sogni_overloads_{}"


def _choices(overloaded: Overloaded) -> list[tuple[Type, bool, Type]] | None:
    """[(stream type, has a default, return type)] of each overload, in order."""
    found = []
    for overload in overloaded.items:
        item = overload.with_unpacked_kwargs()
        if "stream" not in item.arg_names:
            return None
        i = item.arg_names.index("stream")
        found.append((item.arg_types[i], item.arg_kinds[i] == ARG_NAMED_OPT, item.ret_type))
    return found


def _merge(info_fullname: str, names: dict[str, SymbolTableNode], strict_optional: bool) -> None:
    # Outside type checking mypy < 1.12 leaves strict_optional off, and a simplified union
    # would then drop ``None``: simplify with the user's setting.
    try:
        with state.strict_optional_set(strict_optional):
            _merge_methods(info_fullname, names)
    except Exception:  # a mypy whose internals differ: keep the overloads
        return


def _merge_methods(info_fullname: str, names: dict[str, SymbolTableNode]) -> None:
    for name, sym in list(names.items()):
        fullname = f"{info_fullname}.{name}"
        node = sym.node
        if fullname not in _METHODS or not isinstance(node, OverloadedFuncDef):
            continue
        overloaded = get_proper_type(node.type)
        if not isinstance(overloaded, Overloaded):
            continue
        choices = _choices(overloaded)
        if choices is None:
            continue  # not the shape this plugin knows: leave the overloads alone
        first = overloaded.items[0].with_unpacked_kwargs()
        i = first.arg_names.index("stream")
        kinds = list(first.arg_kinds)
        types = list(first.arg_types)
        kinds[i] = ARG_NAMED_OPT
        types[i] = make_simplified_union([stream for stream, _, _ in choices])
        merged = first.copy_modified(
            arg_kinds=kinds,
            arg_types=types,
            ret_type=make_simplified_union([ret for _, _, ret in choices]),
        )
        # A plain method node with the merged type, in place of the overloads, for callers.
        func = FuncDef(name, [], Block([]), merged)
        func.info = node.info
        func._fullname = fullname
        func.line = node.line
        # The overloads' type, kept in a private class variable: its own fullname, so the
        # cache stores it in full (a node kept under another name would be stored as a
        # reference to ``create``, which is now the merged method).
        kept = Var(_KEPT.format(name), overloaded)
        kept.info = node.info
        kept._fullname = f"{info_fullname}.{kept.name}"
        kept.is_classvar = True
        names[kept.name] = SymbolTableNode(sym.kind, kept, plugin_generated=True)
        names[name] = SymbolTableNode(sym.kind, func, plugin_generated=True)


def _pick_return(ctx: MethodContext, fullname: str) -> Type:
    """The return type of the overload whose ``stream`` type accepts the call's ``stream``."""
    owner = get_proper_type(ctx.type)
    kept = None
    if isinstance(owner, Instance):
        kept = owner.type.get(_KEPT.format(fullname.rsplit(".", 1)[1]))
    overloaded = get_proper_type(kept.type) if kept is not None else None
    choices = _choices(overloaded) if isinstance(overloaded, Overloaded) else None
    if choices is None or "stream" not in ctx.callee_arg_names:
        return ctx.default_return_type
    index = ctx.callee_arg_names.index("stream")
    given, kinds = ctx.arg_types[index], ctx.arg_kinds[index]
    if not given:  # no stream keyword: the first overload whose stream has a default
        return next((ret for _, default, ret in choices if default), ctx.default_return_type)
    actual = given[0]
    proper = get_proper_type(actual)
    if kinds[0] == ARG_STAR2:  # **mapping: the type of its "stream" value
        if isinstance(proper, TypedDictType):
            if "stream" not in proper.items:
                return next((r for _, d, r in choices if d), ctx.default_return_type)
            actual = proper.items["stream"]
            if "stream" not in proper.required_keys:  # may be absent: the default's answer too
                actual = make_simplified_union([actual, NoneType()])
        elif isinstance(proper, Instance) and proper.args:
            actual = proper.args[-1]  # dict[str, X] / Mapping[str, X]: X
        else:
            return ctx.default_return_type
        proper = get_proper_type(actual)
    if isinstance(proper, AnyType):
        return AnyType(TypeOfAny.from_another_any, source_any=proper)
    # ``bool | None``: what each member gives, together (an overload may take only one).
    members = proper.items if isinstance(proper, UnionType) else [actual]
    answers = [_answer_for(member, choices) for member in members]
    if any(answer is None for answer in answers):
        return ctx.default_return_type
    return make_simplified_union([answer for answer in answers if answer is not None])


def _answer_for(actual: Type, choices: list[tuple[Type, bool, Type]]) -> Type | None:
    """The return type of the first overload whose ``stream`` type accepts ``actual``."""
    # A literal ``True`` arrives as ``bool`` with last_known_value Literal[True].
    last_known = getattr(get_proper_type(actual), "last_known_value", None)
    if last_known is not None:
        actual = last_known
    for stream, _, ret in choices:
        if is_subtype(actual, stream):
            return ret
    return None


class SogniCompatPlugin(Plugin):
    """Merges stream-overloaded ``create`` methods into one signature for callers."""

    def get_base_class_hook(self, fullname: str) -> Callable[[ClassDefContext], None] | None:
        """For the namespaces' base class: merge their overloads once analysed."""
        if fullname == _BASE:
            return _schedule_merge
        return None

    def get_method_hook(self, fullname: str) -> Callable[[MethodContext], Type] | None:
        """For a merged method: the return type its overloads give the call's ``stream``."""
        if fullname in _METHODS:
            return lambda ctx: _pick_return(ctx, fullname)
        return None


def _schedule_merge(ctx: ClassDefContext) -> None:
    info = ctx.cls.info
    if not any(f"{info.fullname}.{name}" in _METHODS for name in info.names):
        return
    # The base-class hook runs inside the main semantic-analysis pass, which may analyse the
    # class again; merge only once every pass of this import cycle is done (mypy applies
    # "patches" then). schedule_patch is the analyser's own method, not the plugin interface.
    # Scheduling more than once is harmless: a second merge finds a FuncDef and skips it.
    schedule = getattr(ctx.api, "schedule_patch", None)
    if schedule is None:
        return
    strict_optional = ctx.api.options.strict_optional
    schedule(1, lambda: _merge(info.fullname, info.names, strict_optional))


def plugin(version: str) -> type[Plugin]:
    """The plugin class, for mypy (the entry point it looks for)."""
    return SogniCompatPlugin
