"""The ``Schema`` object, assembled from the root types and the extensions every operation passes."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.schema.config import StrawberryConfig
from strawberry.types.execution import ExecutionContext

from videoengage.schema.mutation import Mutation
from videoengage.schema.query import Query
from videoengage.schema.viewer_required import RequireViewer


class VideoengageSchema(strawberry.Schema):
    """Errors are logged where they are formatted (``error_format``), with the request id, once."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        return None


schema = VideoengageSchema(
    query=Query,
    mutation=Mutation,
    extensions=[RequireViewer],
    config=StrawberryConfig(auto_camel_case=True),
)
