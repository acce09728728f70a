"""scripts/schema_breaking.py on throwaway git repositories: a breaking schema change fails the check,
unless a commit message or a line added to schema-breaking-changes.txt names it; safe changes pass."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.client_tools import PROJECT, clients_bin_or_skip

SCRIPT = PROJECT / "scripts" / "schema_breaking.py"
SCHEMA = (PROJECT / "schema.graphql").read_text(encoding="utf-8")
TITLE = '  """The video\'s title."""\n  title: String!\n'
WITHOUT_TITLE = SCHEMA.replace(TITLE, "")
WITH_A_NEW_FIELD = SCHEMA.replace(TITLE, TITLE + '\n  """A new field."""\n  subtitle: String\n')
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
}


class Repo:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.git("init", "-q", "-b", "main")

    def git(self, *args: str) -> str:
        env = {**os.environ, **GIT_ENV}
        return subprocess.run(
            ["git", "-C", str(self.path), *args], check=True, capture_output=True, text=True, env=env
        ).stdout

    def commit(self, message: str, schema: str | None = None, marker: str | None = None) -> None:
        """Commit the schema and the marker file as given (None: unchanged)."""
        for name, text in [("schema.graphql", schema), ("schema-breaking-changes.txt", marker)]:
            if text is not None:
                (self.path / name).write_text(text, encoding="utf-8")
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)

    def check(self) -> subprocess.CompletedProcess[str]:
        env = {key: value for key, value in os.environ.items() if key != "SCHEMA_BASE"}
        return subprocess.run(
            [str(SCRIPT), "--repo", str(self.path)], capture_output=True, text=True, env=env, timeout=120
        )


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    clients_bin_or_skip("graphql-inspector")
    repo = Repo(tmp_path)
    repo.commit("The schema as released", schema=SCHEMA)
    return repo


def test_the_test_schemas_differ_as_intended() -> None:
    assert TITLE in SCHEMA
    assert "title: String!" not in WITHOUT_TITLE.split("type Video {", 1)[1].split("}", 1)[0]


def test_a_breaking_change_fails(repo: Repo) -> None:
    repo.commit("Drop the title", schema=WITHOUT_TITLE)

    result = repo.check()

    assert result.returncode == 1, result.stdout + result.stderr
    assert "BREAKING  Video.title: Field 'title' was removed from object type 'Video'" in result.stdout
    assert "against HEAD's first parent" in result.stderr
    assert "Schema-Breaking-Change: <coordinate>" in result.stderr


def test_a_commit_message_naming_the_change_lets_it_pass(repo: Repo) -> None:
    repo.commit(
        "Drop the title\n\nSchema-Breaking-Change: Video.title (no client reads it)", schema=WITHOUT_TITLE
    )

    result = repo.check()

    assert result.returncode == 0, result.stdout + result.stderr
    assert "intended  Video.title" in result.stdout


def test_a_line_added_to_the_marker_file_lets_it_pass(repo: Repo) -> None:
    repo.commit(
        "Drop the title",
        schema=WITHOUT_TITLE,
        marker="# intended breaks of this release\nVideo.title  replaced by name\n",
    )

    result = repo.check()

    assert result.returncode == 0, result.stdout + result.stderr
    assert "intended  Video.title" in result.stdout
    assert "(schema-breaking-changes.txt)" in result.stdout


def test_a_parent_coordinate_covers_its_fields_but_another_coordinate_does_not(repo: Repo) -> None:
    repo.commit("Drop the title\n\nSchema-Breaking-Change: Video.description", schema=WITHOUT_TITLE)
    assert repo.check().returncode == 1

    repo.git("reset", "-q", "--hard", "HEAD~1")
    repo.commit("Drop the title\n\nSchema-Breaking-Change: Video", schema=WITHOUT_TITLE)
    assert repo.check().returncode == 0


def test_a_safe_change_passes(repo: Repo) -> None:
    repo.commit("Add a subtitle", schema=WITH_A_NEW_FIELD)

    result = repo.check()

    assert result.returncode == 0, result.stdout + result.stderr
    assert "BREAKING" not in result.stdout


def test_after_a_release_tag_the_tag_is_the_base_and_old_markers_do_not_count(repo: Repo) -> None:
    repo.commit("Mark a break that never happened", marker="Video.title\n")
    repo.git("tag", "v1.0.0")
    repo.commit("Drop the title", schema=WITHOUT_TITLE)
    repo.commit("Unrelated")

    result = repo.check()

    # HEAD's parent did not break anything, but the release did: the tag is the base.
    assert result.returncode == 1, result.stdout + result.stderr
    assert "against the last release tag, v1.0.0" in result.stderr

    repo.commit("Mark it\n\nSchema-Breaking-Change: Video.title")
    assert repo.check().returncode == 0


def test_on_a_branch_every_commit_since_main_counts(repo: Repo) -> None:
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit("Drop the title", schema=WITHOUT_TITLE)
    repo.commit("Something else")

    result = repo.check()

    assert result.returncode == 1, result.stdout + result.stderr
    assert "against the merge base with main" in result.stderr
