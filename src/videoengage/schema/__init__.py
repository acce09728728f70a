"""The GraphQL schema: Strawberry types, inputs, enums, the root types and the ``Schema`` object."""
