"""Typed settings: the only reader of the environment. Tests build their own ``Settings``."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

logger = logging.getLogger(__name__)

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./videoengage.db"
# Used only on the embedded SQLite default, with a loud warning; PostgreSQL refuses to start without
# a configured secret.
DEVELOPMENT_JWT_SECRET = "videoengage-development-secret-never-use-in-production"


class ConfigurationError(RuntimeError):
    """A setting makes the server unsafe or unable to start; the message is one line for the operator."""


class Settings(BaseSettings):
    """Server configuration, read from environment variables of the same name (upper case)."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", frozen=True)

    database_url: str = DEFAULT_DATABASE_URL
    jwt_secret: SecretStr | None = None
    jwt_algorithm: Literal["HS256", "HS384", "HS512"] = "HS256"
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    # Clock-skew allowance on `exp` and `nbf`; opt-in, as in Hasura's allowed_skew.
    jwt_leeway_seconds: float = Field(default=0.0, ge=0, le=300)
    # Production: no introspection, no "Did you mean" suggestions, no GraphiQL.
    production: bool = False
    graphiql: bool | None = None  # default: on unless production
    db_pool_size: int = Field(default=10, ge=1, le=200)
    # No overflow by default: under load an overflow connection is opened for one request and closed
    # at its return, and PostgreSQL spends more on starting backends than on the requests themselves
    # (bench/README.md, "Connections under load"). Requests wait for a pooled connection instead.
    db_max_overflow: int = Field(default=0, ge=0, le=200)
    db_pool_timeout_seconds: float = Field(default=5.0, gt=0, le=300)
    db_statement_timeout_seconds: float = Field(default=10.0, gt=0, le=3600)
    log_level: str = "INFO"
    # How long a worker trusts that a viewer it has seen still exists (0: check on every request).
    viewer_cache_seconds: float = Field(default=30.0, ge=0, le=300)

    # Limits: each refuses hostile input before it costs anything. The README lists them.
    max_body_bytes: int = Field(default=262_144, ge=1_024)
    max_query_depth: int = Field(default=10, ge=2, le=50)
    max_aliases: int = Field(default=20, ge=0, le=1_000)
    max_tokens: int = Field(default=2_000, ge=100, le=100_000)
    # Field selections in a document (fragments expanded) and root fields per operation, counted
    # before validation; the ceilings keep validation's cost bounded (bench/README.md).
    max_fields: int = Field(default=200, ge=10, le=1_000)
    max_root_fields: int = Field(default=10, ge=1, le=100)
    max_concurrent_requests: int = Field(default=200, ge=1)
    # Slow clients: a request head (line and headers) or body that has not fully arrived in time is
    # refused, so a trickle cannot hold a connection. Requests still receiving their body have a cap
    # of their own, apart from the in-flight cap. 2,000 lets one worker hold the 1,000 slow bodies of
    # issue #10's contract and still take every normal request beside them; each costs a task and
    # what it has sent so far (at most MAX_BODY_BYTES), for at most REQUEST_BODY_TIMEOUT_SECONDS.
    request_header_timeout_seconds: float = Field(default=10.0, gt=0, le=600)
    request_body_timeout_seconds: float = Field(default=10.0, gt=0, le=600)
    max_receiving_requests: int = Field(default=2_000, ge=1)
    shutdown_grace_seconds: float = Field(default=20.0, gt=0, le=600)
    # `videoengage serve` upgrades the database before it serves. Off by default: a release should
    # have one migrator (a job or one instance), not every replica racing to run the same DDL.
    migrate_on_start: bool = False

    # The rate limit: a token bucket per viewer holding RATE_LIMIT_POINTS of operation cost, refilled
    # over RATE_LIMIT_WINDOW_SECONDS (README, "Rate and cost limits"). With REDIS_URL the buckets are
    # shared by every worker and instance; without it each worker keeps its own.
    rate_limit_points: int = Field(default=1_000, ge=100, le=1_000_000_000)
    rate_limit_window_seconds: float = Field(default=10.0, ge=0.1, le=86_400)
    redis_url: str | None = None
    # Keys in Redis start with this, so deployments (and test runs) can share one Redis.
    redis_key_prefix: str = Field(default="videoengage:", max_length=100)

    # Subscriptions (graphql-transport-ws on /graphql). The listening connection takes its own URL:
    # LISTEN does not work through a transaction-pooling proxy. Default: DATABASE_URL.
    listen_database_url: str | None = None
    max_sockets: int = Field(default=5_000, ge=1)
    max_subscriptions_per_socket: int = Field(default=20, ge=1, le=1_000)
    # Events a subscription may have waiting for a slow client; past it, it ends with RESUBSCRIBE.
    subscription_queue_size: int = Field(default=100, ge=1, le=10_000)
    socket_ping_seconds: float = Field(default=15.0, gt=0, le=600)
    # SQLite has no NOTIFY: each worker polls for new messages this often while it has subscribers.
    sqlite_poll_seconds: float = Field(default=0.1, gt=0, le=60)

    # Generated completion code for selections seen before (src/videoengage/planned); off, every
    # operation runs on graphql-core's general executor. Both give the same bytes.
    fast_path: bool = True
    # With FAST_PATH on PostgreSQL, the hot statements run on psycopg connections of their own
    # (db/statement_pool.py); psycopg prepares a statement on the server after this many runs on one
    # connection (0: at once; README, "Performance").
    db_prepare_threshold: int = Field(default=5, ge=0, le=1_000_000)

    # Persisted documents: a manifest of trusted ones (hash to document), whether only they run, and
    # how many bytes of documents registered by clients (Apollo's APQ) each worker keeps.
    trusted_documents: Path | None = None
    trusted_documents_only: bool = False
    persisted_query_cache_bytes: int = Field(default=4_194_304, ge=0, le=1_073_741_824)

    @field_validator("database_url")
    @classmethod
    def _use_async_drivers(cls, url: str) -> str:
        """Accept the URLs people write (``postgresql://``, ``sqlite:///``) and pick our async drivers."""
        for plain, async_prefix in (
            ("postgresql://", "postgresql+psycopg://"),
            ("postgres://", "postgresql+psycopg://"),
            ("sqlite://", "sqlite+aiosqlite://"),
        ):
            if url.startswith(plain):
                return async_prefix + url[len(plain) :]
        if url.startswith(("postgresql+psycopg://", "sqlite+aiosqlite://")):
            return url
        raise ValueError("DATABASE_URL must be a postgresql:// or sqlite:// URL")

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, url: str | None) -> str | None:
        if not url:
            return None
        if not url.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("REDIS_URL must be a redis://, rediss:// or unix:// URL")
        return url

    @field_validator("listen_database_url")
    @classmethod
    def _listen_url_is_postgresql(cls, url: str | None) -> str | None:
        if url is not None and not url.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
            raise ValueError("LISTEN_DATABASE_URL must be a postgresql:// URL")
        return url

    @property
    def listen_url(self) -> str:
        """Where the listening connection goes: LISTEN_DATABASE_URL, or the database itself."""
        return self.listen_database_url or self.database_url

    @property
    def graphiql_enabled(self) -> bool:
        return (not self.production) if self.graphiql is None else (self.graphiql and not self.production)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def signing_secret(self) -> str:
        """The JWT secret; the development secret only on SQLite, where nothing real is at stake."""
        if self.jwt_secret is not None and self.jwt_secret.get_secret_value():
            return self.jwt_secret.get_secret_value()
        if self.is_sqlite:
            return DEVELOPMENT_JWT_SECRET
        raise ConfigurationError(
            "JWT_SECRET is not set: refusing to run on PostgreSQL with the development secret"
        )

    def check(self) -> None:
        """Fail fast on unsafe configuration and warn loudly about the development secret."""
        if self.trusted_documents_only and self.trusted_documents is None:
            raise ConfigurationError(
                "TRUSTED_DOCUMENTS_ONLY is set without TRUSTED_DOCUMENTS: nothing could run"
            )
        secret = self.signing_secret()
        if secret == DEVELOPMENT_JWT_SECRET:
            logger.warning(
                "!!! JWT_SECRET is not set: using the public DEVELOPMENT secret. "
                "Anyone can mint tokens for this server. Never expose it. !!!"
            )
