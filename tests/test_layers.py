"""The layout's rules, read from the source: imports flow one way and rows are read by name.

``db/`` owns the SQL and returns typed rows; schema types convert them and know nothing of
resolvers or statements; resolvers use both. A rule broken here would still run, so only a check
of the source keeps it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).parent.parent / "src" / "videoengage"
# The root types bind resolvers to fields, and the Schema is built from them: the only exceptions.
ROOT_MODULES = {"query.py", "mutation.py", "subscription.py", "schema.py"}
# What schema types may know of db/: the tables' models and the typed rows.
SCHEMA_MAY_IMPORT_FROM_DB = {"videoengage.db.models", "videoengage.db.rows"}
GRAPHQL_SIDE = ("strawberry", "graphql", "videoengage.schema", "videoengage.resolvers", "videoengage.context")
# Names under which a single row travels; a subscript on one of them reads a column by position.
ROW_NAMES = {"row", "record", "columns", "card"}


def _modules(under: str) -> Iterator[Path]:
    return (path for path in sorted((PACKAGE / under).rglob("*.py")) if "migrations" not in path.parts)


def _imports(path: Path) -> set[str]:
    """The modules ``path`` imports, and each ``from m import name`` also as ``m.name``."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _is_under(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def test_schema_types_import_no_resolver_and_no_statement() -> None:
    wrong = []
    for path in _modules("schema"):
        for module in _imports(path):
            if path.name not in ROOT_MODULES and _is_under(module, "videoengage.resolvers"):
                wrong.append(f"{path.name} imports {module}")
            in_db = _is_under(module, "videoengage.db") and module != "videoengage.db"
            if in_db and not any(_is_under(module, allowed) for allowed in SCHEMA_MAY_IMPORT_FROM_DB):
                wrong.append(f"{path.name} imports {module}")
    assert wrong == []


def test_db_imports_nothing_of_graphql() -> None:
    wrong = [
        f"{path.name} imports {module}"
        for path in _modules("db")
        for module in _imports(path)
        if any(_is_under(module, side) for side in GRAPHQL_SIDE)
        or module in {"videoengage.loaders", "videoengage.message_builders"}
    ]
    assert wrong == []


def test_only_db_dialect_reads_the_dialect_name() -> None:
    """One place tells PostgreSQL from SQLite; the owners ask it (``Database.dialect``)."""
    readers = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Attribute)
                and node.attr == "name"
                and isinstance(node.value, ast.Attribute)
                and node.value.attr == "dialect"
            ):
                readers.append(str(path.relative_to(PACKAGE)))
    assert readers == ["db/dialect.py"]


def test_nothing_outside_db_reads_a_row_by_position() -> None:
    outside = [*_modules("schema"), *_modules("resolvers"), PACKAGE / "loaders.py"]
    outside += [PACKAGE / "message_builders.py", PACKAGE / "viewer_cache.py", PACKAGE / "context.py"]
    wrong = []
    for path in outside:
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Subscript):
                continue
            value = node.value
            name = (
                value.id
                if isinstance(value, ast.Name)
                else value.attr
                if isinstance(value, ast.Attribute)
                else ""
            )
            if name in ROW_NAMES or name.endswith("_row") or name == "t":
                wrong.append(f"{path.name}:{node.lineno} {ast.unparse(node)}")
    assert wrong == []


def test_each_hot_operation_has_its_owner_in_db() -> None:
    owners = {"message_page", "send_message", "toggle_reaction", "save_progress", "video_with_reaction"}
    assert owners <= {path.stem for path in _modules("db")}
    # The builders of messages live outside schema/: schema types only convert rows.
    built_in_schema = [
        f"{path.name}: {node.name}"
        for path in _modules("schema")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.AsyncFunctionDef | ast.FunctionDef) and node.name.startswith("messages_")
    ]
    assert built_in_schema == []
