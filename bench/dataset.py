"""The benchmark's data set, built with bulk SQL (``INSERT … SELECT generate_series``) in seconds.

Ids are dense and derived from the row number, so the wrk and pgbench scripts can draw valid random
ids with arithmetic alone: conversation ``c`` is between users ``2c-1`` and ``2c``; video ``v`` is
unpublished when ``v`` is a multiple of 10, so the ``k``-th published video is ``k + (k-1) // 9``;
video 1 is the hot video. Reactions to it come from users ``users/2 + 1`` onwards: half of the
driven users have one (so ``viewerReaction`` is sometimes set) and the rest are reaction-only users.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass

from bench.database import connect, create_database, drop_database, with_database
from videoengage.db.migrate import upgrade
from videoengage.settings import Settings

HOT_VIDEO_ID = 1
MARKER_TABLE = "bench_dataset"


@dataclass(frozen=True)
class DataSet:
    """Row counts; everything else follows from them."""

    users: int  # the users the benchmark drives (tokens are minted for each)
    videos: int
    posts: int
    conversations: int
    messages: int
    hot_reactions: int

    def __post_init__(self) -> None:
        if self.users < 2 * self.conversations or self.videos < 10 or self.posts < 1:
            raise ValueError("a data set needs 2 users per conversation, 10 videos and a post")

    @property
    def published(self) -> int:
        """Videos 1..videos except every tenth are published."""
        return self.videos - self.videos // 10

    @property
    def first_reactor(self) -> int:
        return self.users // 2 + 1

    @property
    def all_users(self) -> int:
        """Driven users and the reaction-only users behind the hot video's reactions."""
        return max(self.users, self.first_reactor + self.hot_reactions - 1)


FULL = DataSet(
    users=2_000,
    videos=20_000,
    posts=2_000,
    conversations=200,
    messages=200_000,
    hot_reactions=1_000_000,
)
SMOKE = DataSet(users=40, videos=50, posts=10, conversations=10, messages=500, hot_reactions=300)


def published_video(k: str) -> str:
    """SQL for the k-th published video id (k from 1), the same arithmetic as the load scripts."""
    return f"(({k}) + (({k}) - 1) / 9)"


# Reaction types by a hash of the user id: like 40%, love 25%, haha 12%, wow 10%, sad 5%, pray 8%.
_REACTION_TYPE = """CASE WHEN h < 40 THEN 'like' WHEN h < 65 THEN 'love' WHEN h < 77 THEN 'haha'
    WHEN h < 87 THEN 'wow' WHEN h < 92 THEN 'sad' ELSE 'pray' END"""


# Each conversation's last_message_id is its newest message, after a build and after a clean-up.
_POINT_AT_NEWEST_MESSAGE = """UPDATE conversations SET last_message_id = last.id
    FROM (SELECT conversation_id, max(id) AS id FROM messages GROUP BY conversation_id) AS last
    WHERE conversations.id = last.conversation_id"""


def _statements(data: DataSet) -> list[str]:
    """The load, in dependency order; each statement is one bulk ``INSERT … SELECT`` or fix-up."""
    d = asdict(data) | {"published": data.published, "first_reactor": data.first_reactor}
    d |= {"all_users": data.all_users, "last_reactor": data.first_reactor + data.hot_reactions - 1}
    return [
        f"""INSERT INTO users (id, display_name, avatar_url, created_at)
            SELECT i, CASE WHEN i <= {d["users"]} THEN 'Bench user ' || i ELSE 'Reactor ' || i END,
                   CASE WHEN i <= {d["users"]} AND i % 2 = 0
                        THEN 'https://img.example.com/u/' || i || '.jpg' END,
                   now() - interval '400 days'
            FROM generate_series(1, {d["all_users"]}) AS i""",
        f"""INSERT INTO videos (id, title, description, thumbnail_url, duration_seconds, is_published,
                                published_at, created_at)
            SELECT i, 'Video ' || i, 'What video ' || i || ' is about, in a sentence or two.',
                   'https://img.example.com/v/' || i || '.jpg', 60 + (i * 37) % 3541, i % 10 <> 0,
                   CASE WHEN i % 10 <> 0 THEN now() - interval '1 minute' * i END,
                   now() - interval '1 minute' * i
            FROM generate_series(1, {d["videos"]}) AS i""",
        f"""INSERT INTO posts (id, author_id, body, created_at)
            SELECT i, 1 + (i - 1) % {d["users"]}, 'Post ' || i || ': news from the community.',
                   now() - interval '1 hour' * i
            FROM generate_series(1, {d["posts"]}) AS i""",
        f"""INSERT INTO conversations (id, direct_low_user_id, direct_high_user_id, created_at)
            SELECT c, 2 * c - 1, 2 * c, now() - interval '300 days'
            FROM generate_series(1, {d["conversations"]}) AS c""",
        f"""INSERT INTO conversation_participants (conversation_id, user_id, joined_at)
            SELECT c, 2 * c - 1 + p, now() - interval '300 days'
            FROM generate_series(1, {d["conversations"]}) AS c, generate_series(0, 1) AS p""",
        # About 30% shared videos, 5% shared posts, the rest text; created in id order.
        f"""INSERT INTO messages (id, conversation_id, sender_id, type, body, shared_post_id,
                                  shared_video_id, created_at)
            SELECT g, c, 2 * c - 1 + (g * 7) % 11 % 2,
                   CASE WHEN r < 30 THEN 'shared_video' WHEN r < 35 THEN 'shared_post' ELSE 'text' END,
                   CASE WHEN r < 30 AND g % 2 = 0 THEN 'Watch this one'
                        WHEN r >= 35 THEN 'Message ' || g || repeat(' and some more words', (g % 8)::int) END,
                   CASE WHEN r >= 30 AND r < 35 THEN 1 + g % {d["posts"]} END,
                   CASE WHEN r < 30 THEN {published_video(f"1 + (g * 104729) % {d['published']}")} END,
                   now() - interval '1 second' * ({d["messages"]} - g)
            FROM generate_series(1::bigint, {d["messages"]}) AS g,
                 LATERAL (SELECT 1 + (g - 1) % {d["conversations"]} AS c, (g * 7919) % 100 AS r) AS k""",
        _POINT_AT_NEWEST_MESSAGE,
        f"""INSERT INTO video_reactions (user_id, video_id, type, created_at, updated_at)
            SELECT u, {HOT_VIDEO_ID}, {_REACTION_TYPE}, now() - interval '1 day', now() - interval '1 day'
            FROM generate_series({d["first_reactor"]}::bigint, {d["last_reactor"]}) AS u,
                 LATERAL (SELECT (u * 7919) % 100 AS h) AS k""",
        # The per-video counters must equal the reaction rows by type.
        """UPDATE videos SET like_count = n.like, love_count = n.love, haha_count = n.haha,
                             wow_count = n.wow, sad_count = n.sad, pray_count = n.pray
            FROM (SELECT video_id,
                         count(*) FILTER (WHERE type = 'like') AS like,
                         count(*) FILTER (WHERE type = 'love') AS love,
                         count(*) FILTER (WHERE type = 'haha') AS haha,
                         count(*) FILTER (WHERE type = 'wow') AS wow,
                         count(*) FILTER (WHERE type = 'sad') AS sad,
                         count(*) FILTER (WHERE type = 'pray') AS pray
                  FROM video_reactions GROUP BY video_id) AS n
            WHERE videos.id = n.video_id""",
        *(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            for table in ("users", "videos", "posts", "conversations", "messages")
        ),
        f"INSERT INTO {MARKER_TABLE} VALUES ('{json.dumps(asdict(data))}')",
    ]


def existing_data_set(url: str) -> DataSet | None:
    """The data set a previous build left in this database, if it holds one."""
    with connect(url) as conn:
        if conn.execute("SELECT to_regclass(%s)", [MARKER_TABLE]).fetchone() == (None,):
            return None
        row = conn.execute(f"SELECT data_set FROM {MARKER_TABLE}").fetchone()
    return None if row is None else DataSet(**row[0])  # type: ignore[arg-type]


def _check_safe_to_replace(url: str) -> None:
    """Refuse to wipe a database that holds anything but an earlier benchmark data set."""
    with connect(url) as conn:
        tables = {
            row[0] for row in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        }
    if tables and MARKER_TABLE not in tables:
        raise SystemExit(
            f"bench: {url.rsplit('/', 1)[-1]} has tables the benchmark did not create; "
            "point --database-url (or DATABASE_URL) at an empty database or an earlier benchmark one"
        )


def build(url: str, data: DataSet) -> float:
    """Empty the database, migrate it, load ``data`` and analyse it; the seconds it took."""
    started = time.monotonic()
    _check_safe_to_replace(url)
    with connect(url) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")
        # First, so that a build that fails half-way leaves a database we may replace again.
        conn.execute(f"CREATE TABLE {MARKER_TABLE} (data_set jsonb NOT NULL)")
    upgrade(Settings(database_url=url).database_url)
    with connect(url) as conn:
        conn.execute("SET LOCAL synchronous_commit = off")
        for statement in _statements(data):
            conn.execute(statement)  # built from our own numbers only, never from input
    with connect(url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
    return time.monotonic() - started


def forget_sent_messages(url: str, data: DataSet) -> None:
    """Delete the messages that runs sent (W5 and its floor) and point each conversation at its
    newest message again: W1 then pages through the data set as built (30% shared videos), not
    through pages of the text that W5 wrote a moment before."""
    with connect(url, autocommit=True) as conn:
        conn.execute("DELETE FROM messages WHERE id > %s", [data.messages])
        conn.execute(_POINT_AT_NEWEST_MESSAGE)


@contextlib.contextmanager
def smoke_data_set(url: str, tool: str) -> Iterator[str]:
    """A database of its own beside ``url``'s, holding the tiny data set, dropped afterwards."""
    smoke_url = with_database(url, f"videoengage_bench_{tool}_smoke_{os.getpid()}")
    create_database(smoke_url)
    try:
        build(smoke_url, SMOKE)
        yield smoke_url
    finally:
        drop_database(smoke_url)
