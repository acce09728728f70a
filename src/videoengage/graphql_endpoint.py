"""The GraphQL HTTP endpoint: Strawberry's ASGI view with our context, errors and media types
(``http_result``). It is the general path: with the fast path on, ``lean_http`` answers the usual
``POST`` requests before they reach it, with the same bytes.

WebSocket upgrades on the same path speak graphql-transport-ws (``realtime.socket``); this view
authenticates them (``on_ws_connect``) and counts them against ``MAX_SOCKETS``.
"""

from __future__ import annotations

from datetime import timedelta

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.parse_content_type import parse_content_type
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult

from videoengage.auth import bearer_token, verify_token
from videoengage.context import Context, build_context
from videoengage.db.engine import Database
from videoengage.errors import Unauthenticated
from videoengage.graphiql import GraphiQLFiles
from videoengage.http_request import (
    GRAPHQL_RESPONSE_JSON,
    refusal,
    refusal_response,
    request_from_json,
    request_from_params,
)
from videoengage.http_result import RESULT_CONTENT_TYPES, accepts_graphql_response_json, http_answer
from videoengage.loaders import Loaders
from videoengage.persisted_documents import PersistedDocuments
from videoengage.rate_limit import RateLimiter
from videoengage.realtime.service import Realtime
from videoengage.realtime.socket import SocketContext, SocketHandler, TextWebSocketAdapter
from videoengage.request_ids import new_request_id
from videoengage.schema.schema import build_schema
from videoengage.settings import Settings
from videoengage.viewer_cache import ViewerCache

# A client has this long after the upgrade to send connection_init (Hasura's default).
CONNECTION_INIT_SECONDS = 3
TRY_AGAIN_LATER = 1013


class GraphQLEndpoint(GraphQL[Context, None]):
    graphql_transport_ws_handler_class = SocketHandler
    websocket_adapter_class = TextWebSocketAdapter

    def __init__(self, settings: Settings, database: Database | None = None) -> None:
        self.documents = PersistedDocuments.from_settings(settings)
        # Charges each viewer for their operations; subscriptions charge it too.
        self.rate_limiter = RateLimiter.from_settings(settings)
        schema = build_schema(settings, self.documents, self.rate_limiter)
        self.documents.check_trusted(schema._schema)
        super().__init__(
            schema,
            graphql_ide="graphiql" if settings.graphiql_enabled else None,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=timedelta(seconds=CONNECTION_INIT_SECONDS),
            max_subscriptions_per_connection=None,  # ours, with a code: SocketHandler
        )
        self.settings = settings
        self.database = database
        self.realtime: Realtime | None = None
        self.viewer_cache = ViewerCache(settings.viewer_cache_seconds)
        self.graphiql = GraphiQLFiles()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Strawberry's refusals (and ours) as JSON GraphQL errors, not its plain text."""
        if scope["type"] == "websocket":
            await self._socket(scope, receive, send)
            return
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            response = await self.run(request)
        except HTTPException as error:
            response = refusal_response(refusal(error), request.headers.get("accept", ""))
        await response(scope, receive, send)

    async def render_graphql_ide(self, request: Request) -> Response:
        """Our GraphiQL (every file from this origin, a strict CSP), not Strawberry's CDN page; Strawberry
        still decides when a request is a browser's (GET, no query, accepts HTML)."""
        return self.graphiql.page_response()

    async def _socket(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A socket over ``MAX_SOCKETS`` is accepted and closed at once with 1013 (try again later)."""
        realtime = self.realtime
        if realtime is None or realtime.sockets >= self.settings.max_sockets:
            websocket = WebSocket(scope, receive, send)
            offered = scope.get("subprotocols") or []
            await websocket.accept(
                GRAPHQL_TRANSPORT_WS_PROTOCOL if GRAPHQL_TRANSPORT_WS_PROTOCOL in offered else None
            )
            await websocket.close(TRY_AGAIN_LATER, "Too many sockets; retry shortly")
            return
        realtime.sockets += 1
        try:
            await super().__call__(scope, receive, send)
        finally:
            realtime.sockets -= 1

    async def on_ws_connect(self, context: Context) -> None:
        """The token from connection_init's payload, else from the upgrade's Authorization header:
        a bad or missing one (or its user gone) closes the socket with 4403."""
        if not isinstance(context, SocketContext):
            raise ConnectionRejectionError
        params = context.connection_params
        authorization = params.get("Authorization", params.get("authorization"))
        if authorization is not None:
            if not isinstance(authorization, str):
                raise ConnectionRejectionError
            context.authorization = authorization
        try:
            verified = verify_token(self.settings, bearer_token(context.authorization))
            await context.authenticate()
        except Unauthenticated:
            raise ConnectionRejectionError from None
        context.expires_at = verified.expires_at

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        """The request checked member by member, its document found by its hash if it was sent by hash;
        other content types are Strawberry's to refuse."""
        if request.method == "GET":
            return self.documents.resolve(request_from_params(request.query_params))
        content_type, _ = parse_content_type(request.content_type or "")
        if "application/json" in content_type:  # the test Strawberry itself applies
            return self.documents.resolve(request_from_json(self.parse_json(await request.get_body())))
        data = await super().parse_http_body(request)
        if isinstance(data, list):  # batches are refused later; never run one past the trusted list
            return [self.documents.resolve(item) for item in data]
        return self.documents.resolve(data)

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        if self.database is None:
            raise RuntimeError("the database is created when the application starts")
        request_id = new_request_id()
        request.state.request_id = request_id
        request.state.sub_response = response
        accept = request.headers.get("accept", "")
        if isinstance(response, Response) and accepts_graphql_response_json(accept):
            response.media_type = GRAPHQL_RESPONSE_JSON
        if isinstance(request, WebSocket):
            return SocketContext(
                settings=self.settings,
                db=self.database,
                request_id=request_id,
                authorization=request.headers.get("authorization"),
                loaders=Loaders(self.database),
                viewer_cache=self.viewer_cache,
                realtime=self.realtime,
            )
        return build_context(
            self.settings, self.database, self.viewer_cache, request_id, request.headers.get("authorization")
        )

    def decode_json(self, data: str | bytes) -> object:
        """orjson: several times faster; past 1,024 levels of nesting it raises a JSONDecodeError,
        which Strawberry answers with 400 "Unable to parse request body as JSON"."""
        return orjson.loads(data)

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        """The result's JSON (``http_result``); its status and headers go on the sub-response."""
        request_id = getattr(request.state, "request_id", None) or new_request_id()
        state_response = getattr(request.state, "sub_response", None)
        sub_response = state_response if isinstance(state_response, Response) else None
        graphql_json = sub_response is not None and sub_response.media_type == GRAPHQL_RESPONSE_JSON
        answer = http_answer(
            result, request_id, suggestions=not self.settings.production, graphql_response_json=graphql_json
        )
        if sub_response is not None:
            for name, value in answer.headers:
                sub_response.headers[name] = value
            if answer.status != 200:
                sub_response.status_code = answer.status
        return answer.body

    def create_response(
        self, response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse], sub_response: Response
    ) -> Response:
        response = super().create_response(response_data, sub_response)
        if sub_response.media_type == GRAPHQL_RESPONSE_JSON:
            response.headers["content-type"] = RESULT_CONTENT_TYPES[True]
        return response
