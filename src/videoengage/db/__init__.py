"""The data layer: typed models, the engine, queries and migrations. Knows nothing of GraphQL."""
