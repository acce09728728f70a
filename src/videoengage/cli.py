"""The ``videoengage`` command: serve, migrate, seed, token, export-schema."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import sys

from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError

from videoengage.settings import ConfigurationError, Settings

logger = logging.getLogger("videoengage.cli")


class DatabaseNotReady(RuntimeError):
    """The database cannot be reached or is not migrated; the message is one line for the operator."""


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    try:
        settings = Settings()
    except ValidationError as error:
        for problem in error.errors():
            name = "_".join(str(part) for part in problem["loc"]).upper()
            print(f"videoengage: {name}: {problem['msg']}", file=sys.stderr)
        return 2
    try:
        result: int = args.run(settings, args)
    except ConfigurationError as error:
        print(f"videoengage: {error}", file=sys.stderr)
        return 2
    except DatabaseNotReady as error:
        print(f"videoengage: {error}", file=sys.stderr)
        return 1
    except (DBAPIError, OSError) as error:
        print(f"videoengage: {_unreachable(settings, error)}", file=sys.stderr)
        return 1
    return result


def _unreachable(settings: Settings, error: BaseException) -> str:
    """One line naming the database (without its password) and the driver's first words about it."""
    from sqlalchemy.engine import make_url

    url = make_url(settings.database_url).render_as_string(hide_password=True)
    cause = error.orig if isinstance(error, DBAPIError) and error.orig is not None else error
    reason = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
    return f"cannot use the database {url}: {reason}"


def _check_database(settings: Settings) -> None:
    """Raise ``DatabaseNotReady`` unless the database answers and is at the head migration."""
    from videoengage.db.engine import create_engine, worker_threads_joined
    from videoengage.db.migrate import NOT_MIGRATED, is_migrated

    async def migrated() -> bool:
        engine = create_engine(settings)
        try:
            async with worker_threads_joined():
                return await is_migrated(engine)
        finally:
            await engine.dispose()

    # Alembic announces its context at INFO; here nothing is migrated, so that would only be noise.
    logging.getLogger("alembic.runtime.migration").setLevel(logging.WARNING)
    try:
        at_head = asyncio.run(migrated())
    except (DBAPIError, OSError) as error:
        raise DatabaseNotReady(_unreachable(settings, error)) from None
    if not at_head:
        raise DatabaseNotReady(f"the database is {NOT_MIGRATED}")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="videoengage", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="serve the API with uvicorn")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(run=_serve)

    migrate = commands.add_parser("migrate", help="upgrade the database to the latest migration")
    migrate.set_defaults(run=_migrate)

    seed = commands.add_parser("seed", help="create demo data (idempotent)")
    seed.add_argument("--demo", action="store_true", required=True, help="the demo data set")
    seed.add_argument("--json", action="store_true", help="print the ids of what exists as JSON")
    seed.set_defaults(run=_seed)

    token = commands.add_parser("token", help="print a bearer token for a user")
    token.add_argument("user_id", type=int, metavar="USER_ID")
    token.add_argument("--ttl", type=int, default=3600, metavar="SECONDS")
    token.set_defaults(run=_token)

    export = commands.add_parser("export-schema", help="print the GraphQL schema (SDL)")
    export.set_defaults(run=_export_schema)
    return parser


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    settings.signing_secret()  # fail here, in one line, rather than in every worker
    if settings.migrate_on_start:
        # Before uvicorn starts (and forks its workers): one migrator per process tree. A failure
        # stops the start with one line (exit 1), so the orchestrator sees it and retries.
        _migrate(settings, args)
    try:
        _check_database(settings)
    except DatabaseNotReady as problem:
        # Serve all the same: the database may come up (or be migrated) later; /readyz says 503 until then.
        logger.warning("%s; serving anyway, /readyz answers 503 until this is fixed", problem)
    raise_open_files_limit()
    uvicorn.run(
        "videoengage.app:create_app_from_env",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        loop="uvloop",
        # httptools, with a deadline for each request head (uvicorn has none before a first request)
        http="videoengage.http_protocol:ServedProtocol",
        # websockets, closing sockets with 1001 (going away) at shutdown instead of 1012
        ws="videoengage.socket_protocol:GoingAwayProtocol",
        ws_max_size=settings.max_body_bytes,  # a socket message is held to a request body's limit
        # Left at uvicorn's defaults, on purpose: backlog 2048 (bursts of new connections queue
        # rather than fail) and no limit_concurrency (it counts idle connections too, so they would
        # turn normal requests away; RequestLimits caps what costs work instead).
        log_level=settings.log_level.lower(),
        # uvicorn builds each request's access line (client, quoted path) before the logger drops
        # it: above INFO, where no line is printed, none is built.
        access_log=_prints_access_lines(settings.log_level),
        timeout_graceful_shutdown=int(settings.shutdown_grace_seconds),
    )
    return 0


def _prints_access_lines(log_level: str) -> bool:
    """Whether uvicorn's access lines (INFO) would be printed; an unknown level is uvicorn's to refuse."""
    level = logging.getLevelName(log_level.upper())
    return not isinstance(level, int) or level <= logging.INFO


def raise_open_files_limit() -> None:
    """Let the server use every file descriptor it may (soft limit up to the hard one), as Go does.

    Each connection, idle or not, holds a descriptor; a default soft limit of 1,024 would let a
    thousand idle sockets stop the server from accepting anyone else. The workers inherit it.
    """
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:  # an unlimited hard limit is refused, and the soft one stays
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def _migrate(settings: Settings, _args: argparse.Namespace) -> int:
    from videoengage.db.migrate import upgrade

    upgrade(settings.database_url)
    return 0


def _seed(settings: Settings, args: argparse.Namespace) -> int:
    from videoengage.db.engine import Database, create_engine
    from videoengage.demo import seed_demo

    _check_database(settings)

    async def run() -> object:
        db = Database(create_engine(settings))
        try:
            return await seed_demo(db)
        finally:
            await db.dispose()

    data = asyncio.run(run())
    print(json.dumps(data) if args.json else "demo data is in place")
    return 0


def _token(settings: Settings, args: argparse.Namespace) -> int:
    from videoengage.auth import issue_token

    if args.user_id <= 0 or args.ttl <= 0:
        print("videoengage: USER_ID and --ttl must be positive", file=sys.stderr)
        return 2
    print(issue_token(settings, args.user_id, args.ttl))
    return 0


def _export_schema(_settings: Settings, _args: argparse.Namespace) -> int:
    from videoengage.schema.schema import schema

    print(schema.as_str())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
