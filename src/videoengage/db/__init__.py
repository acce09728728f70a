"""The data layer: models, the engine, one owner per hot operation (its SQL, its path on each
database, its typed rows), queries and migrations. Knows nothing of GraphQL."""
