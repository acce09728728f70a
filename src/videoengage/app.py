"""The Starlette application: GraphQL at /graphql (HTTP and WebSocket), /healthz and /readyz; the engine
and the realtime service live in the lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute

from videoengage.db.engine import Database
from videoengage.graphiql import ASSET_PATH
from videoengage.graphql_endpoint import GraphQLEndpoint
from videoengage.http_limits import RequestLimits
from videoengage.lean_http import LeanGraphQL
from videoengage.readiness import Readiness
from videoengage.realtime.service import Realtime
from videoengage.settings import Settings
from videoengage.viewer_cache import ROUNDS_TASK_NAME


def create_app(settings: Settings, *, lean: bool = True) -> Starlette:
    """Build the app; the engine is created at startup and disposed at shutdown. ``POST /graphql`` takes
    the lean path (``lean_http``) unless ``settings.fast_path`` or ``lean`` is off; the differential
    tests turn ``lean`` off for the general path's answers."""
    settings.check()
    graphql = GraphQLEndpoint(settings)
    readiness = Readiness()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        database = Database.from_settings(settings)
        graphql.database = app.state.db = database
        graphql.realtime = realtime = Realtime(settings, database)
        realtime.start()
        # Re-reads the viewers in use in batches, so no request waits on its viewer's re-check.
        reconfirming = (
            asyncio.create_task(graphql.viewer_cache.keep_confirmed(database), name=ROUNDS_TASK_NAME)
            if settings.viewer_cache_seconds > 0
            else None
        )
        try:
            yield
        finally:
            if reconfirming is not None:
                reconfirming.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await reconfirming
            await graphql.rate_limiter.close()
            await realtime.close()
            await database.dispose()

    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> Response:
        database: Database = request.app.state.db
        if (problem := await readiness.problem(database.engine)) is not None:
            return JSONResponse({"status": "unavailable", "reason": problem}, status_code=503)
        return JSONResponse({"status": "ready"})

    routes = [
        # Every method reaches the endpoint, which answers the others with a JSON GraphQL 405.
        Route("/graphql", graphql),
        WebSocketRoute("/graphql", graphql),  # subscriptions: graphql-transport-ws
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
    ]
    if settings.graphiql_enabled:
        routes.append(Route(ASSET_PATH + "/{digest}/{name:path}", graphql.graphiql.asset_response))
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[
            Middleware(
                RequestLimits,
                max_body_bytes=settings.max_body_bytes,
                max_concurrent_requests=settings.max_concurrent_requests,
                max_receiving_requests=settings.max_receiving_requests,
                body_timeout_seconds=settings.request_body_timeout_seconds,
                lean=LeanGraphQL(graphql) if settings.fast_path and lean else None,
            )
        ],
    )
    app.state.graphql = graphql
    return app


def create_app_from_env() -> Starlette:
    """The uvicorn factory: settings from the environment. Everything built so far (the modules, the
    schema and its types) lives as long as the worker, so it is moved out of the cyclic garbage
    collector's reach: each full collection walked all of it, about 60 ms a time and every second
    or so under load, which was most of the p99 latency and a tenth of the CPU (bench/README, "The
    garbage collector")."""
    app = create_app(Settings())
    gc.collect()
    gc.freeze()
    return app
