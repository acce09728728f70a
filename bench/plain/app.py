"""The ASGI app: Strawberry's GraphQL view at /graphql on Starlette, the viewer read from the token."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import jwt
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from bench.plain.context import Context, build_context
from bench.plain.database import Session, engine
from bench.plain.schema import schema
from videoengage.db.models import User

# The same secret and claims as ``videoengage.auth.issue_token``: HS256, ``sub`` is the user id.
JWT_SECRET = os.environ["JWT_SECRET"]


async def authenticated_user(request: Request | WebSocket) -> User | None:
    """The user of a valid ``Authorization: Bearer <jwt>``, read from the database; else ``None``."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    try:
        claims = jwt.decode(token, JWT_SECRET, algorithms=["HS256"], options={"require": ["exp", "sub"]})
        user_id = int(claims["sub"])
    except (jwt.PyJWTError, ValueError):
        return None
    async with Session() as session:
        return await session.get(User, user_id)


class PlainGraphQL(GraphQL[Context, None]):
    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        return build_context(request, response, await authenticated_user(request))


async def readyz(_request: Request) -> Response:
    """For the benchmark: answers once the database does."""
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
    return PlainTextResponse("ready")


@asynccontextmanager
async def lifespan(_app: Starlette) -> AsyncIterator[None]:
    yield
    await engine.dispose()


app = Starlette(
    routes=[Route("/graphql", PlainGraphQL(schema)), Route("/readyz", readyz)],
    lifespan=lifespan,
)
