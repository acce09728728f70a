"""The lean path: ``POST /graphql`` with a JSON object body, answered by a plain ASGI handler.

Around ``schema.execute``, Starlette's routing, request and response objects and Strawberry's view
cost about as much CPU as a small operation's execution. This handler does what they do for the one
request shape clients send, with the same pieces: the body ``RequestLimits`` has already read,
decoded once; ``request_from_json`` and ``PersistedDocuments.resolve``; the same context
(``build_context``) and ``schema.execute`` (limits, cost, rate limit, masking); the same answer
(``http_result``), encoded once and sent as the two ASGI messages of a response. Refusals are the
general path's own (``refusal_response``).

Everything else goes to the general path (``GraphQLEndpoint``) as it came, its body replayed:
another method or path, a Content-Type other than plain ``application/json``, and a body that is not
a JSON object (bad JSON, batches, scalars), whose refusals are rare. ``FAST_PATH=false`` turns this
handler off. ``tests/test_lean_http.py`` proves both paths answer with the same bytes.
"""

from __future__ import annotations

import orjson
from cross_web import HTTPException
from starlette.types import Receive, Scope, Send
from strawberry.exceptions import MissingQueryError
from strawberry.http import GraphQLRequestData
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from videoengage.context import Context, build_context
from videoengage.graphql_endpoint import GraphQLEndpoint
from videoengage.http_request import refusal, refusal_response, request_from_json
from videoengage.http_result import RESULT_CONTENT_TYPES, accepts_graphql_response_json, http_answer
from videoengage.request_ids import new_request_id

PATH = "/graphql"
# The Content-Type values this path takes; any other (parameters, case, a near miss) is the general
# path's to judge, as Strawberry's view does with its own parsing.
_JSON_CONTENT_TYPES = frozenset(
    (b"application/json", b"application/json; charset=utf-8", b"application/json;charset=utf-8")
)
_CONTENT_TYPES = {key: value.encode("latin-1") for key, value in RESULT_CONTENT_TYPES.items()}
# What Strawberry's view allows over POST.
_POST_OPERATIONS = frozenset(OperationType.from_http("POST"))


class LeanGraphQL:
    """Called by ``RequestLimits`` with the request's body: answers it, or sends nothing and says so."""

    def __init__(self, endpoint: GraphQLEndpoint) -> None:
        self.endpoint = endpoint
        self.suggestions = not endpoint.settings.production

    async def __call__(self, scope: Scope, body: bytes, receive: Receive, send: Send) -> bool:
        """True once the request is answered; False, having sent nothing, for the general path."""
        if scope["method"] != "POST" or scope["path"] != PATH or scope.get("root_path"):
            return False
        # Starlette's Headers.get: the first of each name.
        content_type = accept = authorization = None
        for name, value in scope["headers"]:
            if name == b"content-type":
                content_type = value if content_type is None else content_type
            elif name == b"accept":
                accept = value if accept is None else accept
            elif name == b"authorization":
                authorization = value if authorization is None else authorization
        database = self.endpoint.database
        if content_type not in _JSON_CONTENT_TYPES or database is None:
            return False
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            return False
        if not isinstance(data, dict):
            return False
        accept_text = "" if accept is None else accept.decode("latin-1")
        request_id = new_request_id()
        endpoint = self.endpoint
        context = build_context(
            endpoint.settings,
            database,
            endpoint.viewer_cache,
            request_id,
            None if authorization is None else authorization.decode("latin-1"),
        )
        try:
            result = await self._execute(endpoint.documents.resolve(request_from_json(data)), context)
        except HTTPException as error:
            await refusal_response(refusal(error), accept_text)(scope, receive, send)
            return True
        graphql_json = accepts_graphql_response_json(accept_text)
        answer = http_answer(
            result, request_id, suggestions=self.suggestions, graphql_response_json=graphql_json
        )
        payload = orjson.dumps(answer.body)
        headers = [
            (b"content-length", str(len(payload)).encode()),
            (b"content-type", _CONTENT_TYPES[graphql_json]),
        ]
        headers.extend((name.encode("latin-1"), value.encode("latin-1")) for name, value in answer.headers)
        await send({"type": "http.response.start", "status": answer.status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})
        return True

    async def _execute(self, request: GraphQLRequestData, context: Context) -> ExecutionResult:
        """``schema.execute`` as Strawberry's view calls it for POST, its refusals mapped as it maps them
        (``AsyncBaseHTTPView.execute_single``)."""
        try:
            return await self.endpoint.schema.execute(
                request.query,
                variable_values=request.variables,
                context_value=context,
                root_value=None,
                operation_name=request.operation_name,
                allowed_operation_types=_POST_OPERATIONS,
                operation_extensions=request.extensions,
            )
        except CannotGetOperationTypeError as error:
            raise HTTPException(400, error.as_http_error_reason()) from error
        except InvalidOperationTypeError as error:
            raise HTTPException(400, error.as_http_error_reason("POST")) from error
        except MissingQueryError as error:
            raise HTTPException(400, "No GraphQL query found in the request") from error
