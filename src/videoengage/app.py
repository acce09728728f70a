"""The Starlette application: GraphQL at /graphql, /healthz and /readyz; the engine lives in the lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import AsyncIterator

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult

from videoengage.context import Context, build_context
from videoengage.db.engine import Database, create_engine
from videoengage.error_format import format_result
from videoengage.http_limits import RequestLimits
from videoengage.schema.schema import build_schema
from videoengage.settings import Settings

logger = logging.getLogger(__name__)

READINESS_TIMEOUT_SECONDS = 2.0


class AppState:
    """What the lifespan creates and the endpoints share: one database per process."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._db: Database | None = None

    @property
    def db(self) -> Database:
        if self._db is None:
            raise RuntimeError("the database is created when the application starts")
        return self._db

    @db.setter
    def db(self, db: Database) -> None:
        self._db = db


class GraphQLEndpoint(GraphQL[Context, None]):
    """Strawberry's ASGI view with our context and our error formatting."""

    def __init__(self, state: AppState) -> None:
        super().__init__(
            build_schema(state.settings),
            graphql_ide="graphiql" if state.settings.graphiql_enabled else None,
        )
        self._state = state

    def decode_json(self, data: str | bytes) -> object:
        """Deeply nested JSON is the client's mistake (400), not a crash of ours (500)."""
        try:
            return json.loads(data)
        except RecursionError:
            # Strawberry answers a JSONDecodeError with 400 "Unable to parse request body as JSON".
            raise json.JSONDecodeError("nested too deeply", "", 0) from None

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        request_id = uuid.uuid4().hex
        request.state.request_id = request_id
        return build_context(
            self._state.settings,
            self._state.db,
            request_id,
            request.headers.get("authorization"),
        )

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        request_id = getattr(request.state, "request_id", None) or uuid.uuid4().hex
        return format_result(result, request_id, suggestions=not self._state.settings.production)


def create_app(settings: Settings) -> Starlette:
    """Build the app; the engine is created at startup and disposed at shutdown."""
    settings.check()
    state = AppState(settings)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        state.db = Database(create_engine(settings))
        try:
            yield
        finally:
            await state.db.dispose()

    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_request: Request) -> Response:
        try:
            async with (
                asyncio.timeout(READINESS_TIMEOUT_SECONDS),
                state.db.engine.connect() as conn,
            ):
                await conn.execute(text("SELECT 1"))
        except Exception as error:
            logger.warning("readiness check failed: %s", type(error).__name__)
            return JSONResponse({"status": "unavailable"}, status_code=503)
        return JSONResponse({"status": "ready"})

    graphql = GraphQLEndpoint(state)
    app = Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
        ],
        lifespan=lifespan,
        middleware=[
            Middleware(
                RequestLimits,
                max_body_bytes=settings.max_body_bytes,
                max_concurrent_requests=settings.max_concurrent_requests,
            )
        ],
    )
    app.state.videoengage = state
    return app


def create_app_from_env() -> Starlette:
    """The uvicorn factory: settings from the environment."""
    return create_app(Settings())
