"""Generated completion code for one selection set: typed objects into the response, directly.

graphql-core completes every field through the same general machinery (a resolve info, a path,
a resolver call, type tests, an awaitable test), about 5 µs a field; a page of 50 messages
completes some 500. For a selection set it has seen before, the executor runs a function
generated for it instead, which reads each plain attribute and checks it as its type needs.

The generated code answers only where graphql-core's answer is certain and has no error in it.
A field is inlined when it has no resolver of its own (Strawberry's default: an attribute read)
and its type, through non-null and list wrappers, ends in a leaf whose Python values are known
(``str`` for String and ID, an ``int`` in 32-bit range for Int, …) or in an object type whose
selection is inlined in turn. At run time every value must be of the exact Python type expected;
on anything else (None where it is not allowed, a wrong type, an out-of-range Int, an
awaitable) the inlined code gives up with no side effect and the field goes to graphql-core's
``execute_field``, which reads it again and answers (errors, paths, null propagation) as always.
Fields with resolvers, ``__typename`` and abstract types go to graphql-core from the start.
"""

from __future__ import annotations

import datetime
import enum
import keyword
import math
from collections.abc import Callable, Hashable, Iterator, Sequence
from itertools import count
from typing import Any, TypeVar

from graphql import (
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
)
from graphql.execution.collect_fields import FieldDetails
from graphql.pyutils import Path, Undefined, gather_with_cancel

GroupedFieldSet = dict[str, list[FieldDetails]]
Collect = Callable[[GraphQLObjectType, list[FieldDetails]], GroupedFieldSet]
Completer = Callable[[Any, Any, Path], Any]
ValueFunction = Callable[[Any], Any]
K = TypeVar("K", bound=Hashable)
# Strawberry's backref from graphql-core fields and types to its own definitions.
DEFINITION = "strawberry-definition"

# Scalars whose output coercion returns these values unchanged: (test on v, coercion needed).
SCALAR_TESTS: dict[str, tuple[str, bool]] = {
    "String": ("type(v) is str", False),
    "ID": ("type(v) is str", False),
    "Int": ("type(v) is int and -2147483648 <= v <= 2147483647", False),
    "Float": ("type(v) is float and isfinite(v)", False),
    "Boolean": ("type(v) is bool", False),
    # Formatted by the scalar's own coercion, called as graphql-core calls it.
    "DateTime": ("type(v) is datetime", True),
}


def plain_details(details: Sequence[FieldDetails]) -> bool:
    """Whether a field's nodes are neither deferred nor in a fragment with variables of its own: the
    only ones whose collection and completion are the same on every request."""
    return all(d.defer_usage is None and d.fragment_variable_values is None for d in details)


async def gather_fields(results: dict[K, Any], names: list[K]) -> dict[K, Any]:
    """The tail of graphql-core's ``execute_fields``: await the awaitable fields, in parallel (each
    in its place, by response name; the query plans key their resolved leaves otherwise)."""
    if len(names) == 1:
        results[names[0]] = await results[names[0]]
    else:
        awaited = await gather_with_cancel(*(results[name] for name in names))
        results.update(zip(names, awaited, strict=True))
    return results


class _Writer:
    """Python source being written, and the constants it names."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.names: Iterator[int] = count(1)
        self.constants: dict[str, object] = {
            "Path": Path,
            "Undefined": Undefined,
            "NI": NotImplemented,
            "gather_fields": gather_fields,
            "isfinite": math.isfinite,
            "datetime": datetime.datetime,
        }

    def constant(self, value: object, hint: str) -> str:
        name = f"{hint}_{next(self.names)}"
        self.constants[name] = value
        return name

    def function(self, hint: str) -> str:
        return f"{hint}_{next(self.names)}"

    def emit(self, indent: int, line: str) -> None:
        self.lines.append("    " * indent + line)


class SelectionCompiler:
    """Writes the completer of an (object type, selection set), every inlinable field inlined."""

    def __init__(self, schema: GraphQLSchema, collect: Collect) -> None:
        self.schema = schema
        self.collect = collect  # the executor's: with no directives, the same on every request

    def compile(self, parent_type: GraphQLObjectType, fields: GroupedFieldSet) -> Completer | None:
        """The completer, or None when no field of the selection can be inlined (nothing to gain)."""
        if not any(self.attribute(parent_type, details) is not None for details in fields.values()):
            return None
        writer = _Writer()
        entry = self._selection(writer, parent_type, fields)
        completer: Completer = _load(writer, entry, f"<completer of {parent_type.name}>")
        return completer

    def value_function(self, type_: GraphQLOutputType, details: list[FieldDetails]) -> ValueFunction | None:
        """For a field of this type and selection: ``value(v)``, the completed value of what its
        resolver returned, or ``NotImplemented`` to give up; None unless every field below inlines."""
        if not self._inlinable(type_, details):
            return None
        writer = _Writer()
        entry = self._value(writer, type_, details)
        value: ValueFunction = _load(writer, entry, f"<value of {type_}>")
        return value

    def attribute(self, parent_type: GraphQLObjectType, details: list[FieldDetails]) -> str | None:
        """The attribute to read for this field, if generated code can complete it."""
        field_name = details[0].node.name.value
        field = None if field_name.startswith("__") else self.schema.get_field(parent_type, field_name)
        if field is None or not getattr(field.resolve, "_is_default", False):
            return None
        if not plain_details(details):
            return None
        definition = field.extensions.get(DEFINITION)
        if definition is None or getattr(definition, "default_resolver", None) is not getattr:
            return None
        attribute = getattr(definition, "python_name", None)
        if not isinstance(attribute, str) or not attribute.isidentifier() or keyword.iskeyword(attribute):
            return None
        return attribute if self._inlinable(field.type, details) else None

    def _inlinable(self, type_: GraphQLOutputType, details: list[FieldDetails]) -> bool:
        while isinstance(type_, GraphQLNonNull | GraphQLList):
            type_ = type_.of_type
        if isinstance(type_, GraphQLScalarType):
            return type_.name in SCALAR_TESTS
        if isinstance(type_, GraphQLEnumType):
            return _enum_names(type_) is not None
        if isinstance(type_, GraphQLObjectType) and type_.is_type_of is None and object_classes(type_):
            fields = self.collect(type_, details)
            return all(self.attribute(type_, sub) is not None for sub in fields.values())
        return False

    def _selection(self, writer: _Writer, parent_type: GraphQLObjectType, fields: GroupedFieldSet) -> str:
        """``def sel(ex, src, path)``: what graphql-core's ``execute_fields`` returns for it."""
        name = writer.function("selection")
        parent = writer.constant(parent_type, "type")
        typename = repr(parent_type.name)
        body: list[str] = []
        for response_name, details in fields.items():
            key = repr(response_name)
            field_details = writer.constant(details, "fields")
            delegate = [
                f"r = ex.execute_field({parent}, src, {field_details}, Path(path, {key}, {typename}), None)",
                "if r is not Undefined:",
                f"    res[{key}] = r",
                "    if is_awaitable(r):",
                f"        aw.append({key})",
            ]
            attribute = self.attribute(parent_type, details)
            if attribute is None:
                body += delegate
                continue
            field = self.schema.get_field(parent_type, details[0].node.name.value)
            assert field is not None
            value = self._value(writer, field.type, details)
            # The source was not checked (graphql-core hands over any object): a failed read is
            # graphql-core's to report.
            body += [
                "try:",
                f"    c = {value}(src.{attribute})",
                "except Exception:",
                "    c = NI",
                "if c is not NI:",
                f"    res[{key}] = c",
                "else:",
            ]
            body += ["    " + line for line in delegate]
        writer.emit(0, f"def {name}(ex, src, path):")
        writer.emit(1, "res = {}")
        writer.emit(1, "aw = []")
        writer.emit(1, "is_awaitable = ex.is_awaitable")
        writer.emit(1, "try:")
        for line in body:
            writer.emit(2, line)
        writer.emit(1, "except Exception:")
        writer.emit(2, "if aw:")
        writer.emit(3, "ex.settle_in_background([res[k] for k in aw])")
        writer.emit(2, "raise")
        writer.emit(1, "return gather_fields(res, aw) if aw else res")
        return name

    def _value(self, writer: _Writer, type_: GraphQLOutputType, details: list[FieldDetails]) -> str:
        """``def value(v)``: the completed value of ``v`` for ``type_``, or NI to give up."""
        name = writer.function("value")
        non_null = isinstance(type_, GraphQLNonNull)
        inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
        lines = ["if v is None:", "    return NI" if non_null else "    return None"]
        if isinstance(inner, GraphQLList):
            item = self._value(writer, inner.of_type, details)
            lines += [
                "if type(v) is not list:",
                "    return NI",
                "out = []",
                "for i in v:",
                f"    c = {item}(i)",
                "    if c is NI:",
                "        return NI",
                "    out.append(c)",
                "return out",
            ]
        elif isinstance(inner, GraphQLScalarType):
            test, coerce = SCALAR_TESTS[inner.name]
            lines += [f"if not ({test}):", "    return NI"]
            if coerce:
                scalar = writer.constant(inner, "scalar")
                lines += [
                    "try:",
                    f"    c = {scalar}.coerce_output_value(v)",
                    "except Exception:",
                    "    return NI",
                    "return NI if c is None or c is Undefined else c",
                ]
            else:
                lines += ["return v"]
        elif isinstance(inner, GraphQLEnumType):
            names = _enum_names(inner)
            assert names is not None
            wrapped = writer.constant(inner.wrapped_cls, "enum")  # type: ignore[attr-defined]
            lookup = writer.constant(names, "names")
            lines += [f"if type(v) is not {wrapped}:", "    return NI", f"return {lookup}.get(v, NI)"]
        else:
            assert isinstance(inner, GraphQLObjectType)
            test = " and ".join(f"t is not {writer.constant(c, 'cls')}" for c in object_classes(inner))
            lines += ["t = type(v)", f"if {test}:", "    return NI", "res = {}"]
            for response_name, sub in self.collect(inner, details).items():
                attribute = self.attribute(inner, sub)
                field = self.schema.get_field(inner, sub[0].node.name.value)
                assert attribute is not None and field is not None
                value = self._value(writer, field.type, sub)
                lines += [
                    f"c = {value}(v.{attribute})",
                    "if c is NI:",
                    "    return NI",
                    f"res[{response_name!r}] = c",
                ]
            lines += ["return res"]
        writer.emit(0, f"def {name}(v):")
        for line in lines:
            writer.emit(1, line)
        return name


def _load(writer: _Writer, entry: str, label: str) -> Any:
    """The function named ``entry`` in the writer's code, compiled under ``label`` (shown in tracebacks)."""
    namespace = dict(writer.constants)
    exec(compile("\n".join(writer.lines), label, "exec"), namespace)
    return namespace[entry]


def object_classes(object_type: GraphQLObjectType) -> tuple[type, ...]:
    """The Python classes whose instances complete as this type: its Strawberry class and, for a
    specialised generic (``Edge[Message]``), the generic class that resolvers instantiate."""
    definition = object_type.extensions.get(DEFINITION)
    classes = [getattr(definition, "origin", None)]
    concrete_of = getattr(definition, "concrete_of", None)
    if concrete_of is not None:
        classes.append(getattr(concrete_of, "origin", None))
    return tuple(c for c in classes if isinstance(c, type))


def _enum_names(enum_type: GraphQLEnumType) -> dict[object, str] | None:
    """Each member of the Python enum behind the type, to the name its output coercion gives it."""
    wrapped = getattr(enum_type, "wrapped_cls", None)  # Strawberry's enum types carry their class
    if not isinstance(wrapped, type) or not issubclass(wrapped, enum.Enum):
        return None
    names: dict[object, str] = {}
    for member in wrapped:
        try:
            names[member] = enum_type.coerce_output_value(member)
        except Exception:
            return None
    return names
