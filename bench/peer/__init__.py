"""The benchmark's peers: other GraphQL servers serving the same data set, driven the same way."""
