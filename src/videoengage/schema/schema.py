"""The ``Schema`` object, assembled from the root types and the extensions every operation passes."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.types.execution import ExecutionContext

from videoengage.persisted_documents import PersistedDocuments, RegisterPersistedQuery
from videoengage.planned.executor import planned_execution_context
from videoengage.schema.introspection_limit import IntrospectionListDepth, introspection_depth_rule
from videoengage.schema.mutation import Mutation
from videoengage.schema.operation_limits import (
    INTROSPECTION_FIELDS,
    OperationLimiter,
    bound_field_comparisons,
)
from videoengage.schema.query import Query
from videoengage.schema.token_count import TokenPrecount
from videoengage.schema.viewer_required import RequireViewer
from videoengage.settings import Settings


class VideoengageSchema(strawberry.Schema):
    """Errors are logged where they are formatted (``error_format``), with the request id, once."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        return None


DOCUMENT_CACHE_SIZE = 256


def build_schema(settings: Settings, documents: PersistedDocuments | None = None) -> VideoengageSchema:
    """The schema with this deployment's limits; every operation is checked by each of them. Documents
    sent with their hash are registered in ``documents`` once they reach execution."""
    bound_field_comparisons()
    # The limiters make a new rule class each time they are built; built once here, the rules are
    # the same objects on every request, so the validation cache (keyed by them) can hit.
    rules = [
        *QueryDepthLimiter(max_depth=settings.max_query_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.max_aliases).validation_rules,
        IntrospectionListDepth,
        introspection_depth_rule(settings.max_query_depth),
    ]
    field_limits = (
        settings.max_fields,
        settings.max_root_fields,
        None if settings.production else INTROSPECTION_FIELDS,
    )
    # Factories, not instances: Strawberry makes fresh extensions for every operation.
    extensions: list[Callable[[], SchemaExtension]] = [
        # Token floods and documents whose text holds too many fields are refused before the
        # parser builds anything; the parser enforces the token limit too.
        partial(TokenPrecount, settings.max_tokens, *field_limits),
        # Clients send the same few documents again and again: parse and validate each once.
        partial(ParserCache, maxsize=DOCUMENT_CACHE_SIZE),
        partial(ValidationCache, maxsize=DOCUMENT_CACHE_SIZE),
        partial(MaxTokensLimiter, max_token_count=settings.max_tokens),
        # The exact count, fragments expanded: on every request, cached document or not, before
        # validation can cost anything.
        partial(OperationLimiter, *field_limits),
        partial(AddValidationRules, rules),
        RequireViewer,
    ]
    if documents is not None:
        extensions.append(partial(RegisterPersistedQuery, documents))
    if settings.production:
        extensions.append(DisableIntrospection)
    return VideoengageSchema(
        query=Query,
        mutation=Mutation,
        extensions=extensions,
        config=StrawberryConfig(auto_camel_case=True),
        execution_context_class=planned_execution_context() if settings.fast_path else None,
    )


# The schema as the SDL export and the tests see it; the app builds its own from its settings.
schema = build_schema(Settings.model_construct())
