"""videoengage: a GraphQL API for video progress, reactions and direct messages."""
