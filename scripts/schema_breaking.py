#!/usr/bin/env python3
"""Fails when schema.graphql breaks clients built against the base schema, unless the break is marked.

The base is the schema clients in the field were generated against (see ``base_revision``). The
comparison is graphql-inspector's (clients/' locked npm package, on its Node 22). A breaking change is
intended when its schema coordinate (``Video.title``, ``Mutation.toggleVideoReaction.input``, or a
parent such as ``Video``) is named

- in a commit message between the base and HEAD, as a trailer line
  ``Schema-Breaking-Change: Video.title`` (one line per coordinate, a reason may follow), or
- on a line added since the base to ``schema-breaking-changes.txt`` beside schema.graphql
  (``Video.title  why``; ``#`` starts a comment).

Naming the coordinate, not just "breaking: yes", keeps one intended break from letting another through.
Run from anywhere: ``scripts/schema_breaking.py [--repo DIR]``; ``SCHEMA_BASE`` overrides the base.
Stdlib only, so it runs before the project's environment exists.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import NamedTuple

PROJECT = Path(__file__).resolve().parent.parent
CLIENTS = PROJECT / "clients"
SCHEMA = "schema.graphql"
MARKER_FILE = "schema-breaking-changes.txt"
TRAILER = re.compile(r"^Schema-Breaking-Change:\s*(\S+)", re.MULTILINE | re.IGNORECASE)
RELEASE_TAGS = "v[0-9]*"


class Base(NamedTuple):
    revision: str | None  # None: nothing to compare against
    why: str


class Breaking(NamedTuple):
    path: str
    message: str


def git(repo: Path, *args: str) -> str | None:
    """git's output, or None when the command fails (no such revision, not a repository)."""
    result = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True)
    return result.stdout.strip() if result.returncode == 0 else None


def base_revision(repo: Path) -> Base:
    """What clients were built against: the last release tag; without one, what HEAD changes.

    With no tag, a fresh clone of main has only main: its merge base with main is HEAD itself, which
    would compare the schema with itself. HEAD's first parent is the state before the last commit or
    merge landed, which is what that commit changed. On another branch, its merge base with main
    covers every commit of the branch.
    """
    if os.environ.get("SCHEMA_BASE"):
        return Base(os.environ["SCHEMA_BASE"], "SCHEMA_BASE")
    tag = git(repo, "describe", "--tags", "--abbrev=0", "--match", RELEASE_TAGS, "HEAD")
    if tag:
        return Base(tag, f"the last release tag, {tag}")
    head = git(repo, "rev-parse", "HEAD")
    for main in ("main", "origin/main"):
        fork = git(repo, "merge-base", "HEAD", main)
        if fork and fork != head:
            return Base(fork, f"the merge base with {main} (no release tag yet)")
    if git(repo, "rev-parse", "--verify", "--quiet", "HEAD^1") is not None:
        return Base("HEAD^1", "HEAD's first parent (no release tag yet; HEAD is on main)")
    if git(repo, "rev-parse", "--is-shallow-repository") == "true":
        raise SystemExit(
            f"{SCHEMA}: a shallow clone has no base to compare with: fetch history or set SCHEMA_BASE"
        )
    return Base(None, "the first commit: nothing to compare with")


def breaking_changes(old: str, new: Path) -> list[Breaking]:
    """graphql-inspector's breaking changes from ``old`` (SDL text) to the file ``new``."""
    bin_dir = CLIENTS / "node_modules" / ".bin"
    inspector = bin_dir / "graphql-inspector"
    if not inspector.exists():
        raise SystemExit("graphql-inspector is not installed: npm ci --prefix clients")
    with tempfile.TemporaryDirectory() as scratch:
        old_file, report = Path(scratch, "base.graphql"), Path(scratch, "report.json")
        old_file.write_text(old, encoding="utf-8")
        env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
        env["SCHEMA_BREAKING_REPORT"] = str(report)
        handler = CLIENTS / "breaking-changes.cjs"
        result = subprocess.run(
            [str(inspector), "diff", str(old_file), str(new.resolve()), "--onComplete", str(handler)],
            capture_output=True,
            text=True,
            env=env,
        )
        if result.returncode != 0:
            raise SystemExit(f"graphql-inspector failed:\n{result.stdout}{result.stderr}")
        if not report.exists():  # no changes at all: the handler is not called
            return []
        changes = json.loads(report.read_text(encoding="utf-8"))
    return [Breaking(change["path"] or change["type"], change["message"]) for change in changes]


def intended(repo: Path, base: str) -> dict[str, str]:
    """Coordinates marked as intended breaks since ``base``, each with where it was marked."""
    marked: dict[str, str] = {}
    log = git(repo, "log", "--format=%H%x00%B%x01", f"{base}..HEAD") or ""
    for entry in log.split("\x01"):
        sha, _, message = entry.strip().partition("\x00")
        for path in TRAILER.findall(message):
            marked.setdefault(path, f"commit {sha[:12]}")
    before = set(_marker_lines(git(repo, "show", f"{base}:{MARKER_FILE}") or ""))
    current = repo / MARKER_FILE
    if current.exists():
        for line in _marker_lines(current.read_text(encoding="utf-8")):
            if line not in before:
                marked.setdefault(line.split()[0], MARKER_FILE)
    return marked


def _marker_lines(text: str) -> list[str]:
    lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return [line for line in lines if line]


def covered(path: str, marked: dict[str, str]) -> str | None:
    """Where the break at ``path`` was marked: at it, or at a parent (``Video`` covers ``Video.title``)."""
    parts = path.split(".")
    for end in range(len(parts), 0, -1):
        where = marked.get(".".join(parts[:end]))
        if where is not None:
            return where
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repo", type=Path, default=PROJECT, help="the git checkout to check")
    repo = parser.parse_args().repo.resolve()
    base = base_revision(repo)
    old = None if base.revision is None else git(repo, "show", f"{base.revision}:{SCHEMA}")
    if old is None:
        print(f"{SCHEMA}: no base schema ({base.why}); nothing to compare")
        return 0
    changes = breaking_changes(old, repo / SCHEMA)
    marked = intended(repo, base.revision or "")
    unmarked = 0
    for change in changes:
        where = covered(change.path, marked)
        unmarked += where is None
        print(
            f"{'intended' if where else 'BREAKING'}  {change.path}: {change.message}"
            + (f" ({where})" if where else "")
        )
    if unmarked:
        print(
            f"{SCHEMA}: {unmarked} breaking change(s) against {base.why}. If intended, name each\n"
            "coordinate in a commit message line 'Schema-Breaking-Change: <coordinate>'\n"
            f"or on a new line of {MARKER_FILE}.",
            file=sys.stderr,
        )
        return 1
    print(f"{SCHEMA}: no unmarked breaking change against {base.why}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
