"""A schema change that breaks a typical client fails the clients' build: codegen refuses operations
that no longer validate, and `tsc --strict` refuses code whose types changed under it. Runs the
clients/ setup on a temp copy with an edited schema.graphql (the committed one passes)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.client_tools import CLIENTS, PROJECT, clients_bin_or_skip, clients_env

SCHEMA = (PROJECT / "schema.graphql").read_text(encoding="utf-8")
MESSAGE_CREATED_AT = '  """When the message was stored."""\n  createdAt: DateTime!\n'


def build(
    tmp_path: Path, schema: str
) -> tuple[subprocess.CompletedProcess[str], subprocess.CompletedProcess[str] | None]:
    """codegen, then (if it passed) tsc, on a copy of clients/ beside the given schema."""
    clients_bin_or_skip("graphql-codegen")
    clients_bin_or_skip("tsc")
    (tmp_path / "schema.graphql").write_text(schema, encoding="utf-8")
    copy = tmp_path / "clients"
    shutil.copytree(CLIENTS, copy, ignore=shutil.ignore_patterns("node_modules", "gql"))
    (copy / "node_modules").symlink_to(CLIENTS / "node_modules")
    codegen = _run(copy, "graphql-codegen", "--config", "codegen.ts")
    if codegen.returncode != 0:
        return codegen, None
    return codegen, _run(copy, "tsc", "--noEmit", "--strict", "-p", "tsconfig.json")


def _run(cwd: Path, *command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, env=clients_env(), capture_output=True, text=True, timeout=300)


def test_the_committed_schema_builds_and_the_committed_output_is_what_codegen_generates(
    tmp_path: Path,
) -> None:
    codegen, tsc = build(tmp_path, SCHEMA)

    assert codegen.returncode == 0, codegen.stdout + codegen.stderr
    assert tsc is not None and tsc.returncode == 0, tsc and tsc.stdout + tsc.stderr
    generated = tmp_path / "clients" / "src" / "gql"
    committed = CLIENTS / "src" / "gql"
    names = sorted(path.name for path in committed.iterdir())
    assert names == sorted(path.name for path in generated.iterdir())
    for name in names:
        same = (generated / name).read_text(encoding="utf-8") == (committed / name).read_text(
            encoding="utf-8"
        )
        assert same, f"clients/src/gql/{name} is not what codegen generates: run scripts/clients"


def test_a_removed_field_fails_codegen(tmp_path: Path) -> None:
    assert MESSAGE_CREATED_AT in SCHEMA

    codegen, tsc = build(tmp_path, SCHEMA.replace(MESSAGE_CREATED_AT, ""))

    assert codegen.returncode != 0 and tsc is None
    assert 'Cannot query field "createdAt" on type "Message"' in codegen.stdout + codegen.stderr


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ((MESSAGE_CREATED_AT, MESSAGE_CREATED_AT.replace("DateTime!", "DateTime")), "TS2769"),
        (("  durationSeconds: Int!\n", "  durationSeconds: String!\n"), "TS2322"),
    ],
    ids=["nullable-createdAt", "durationSeconds-as-string"],
)
def test_a_changed_type_fails_tsc(tmp_path: Path, change: tuple[str, str], error: str) -> None:
    old, new = change
    assert old in SCHEMA

    codegen, tsc = build(tmp_path, SCHEMA.replace(old, new))

    assert codegen.returncode == 0, codegen.stdout + codegen.stderr
    assert tsc is not None and tsc.returncode != 0
    assert error in tsc.stdout, tsc.stdout
