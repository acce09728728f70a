"""Subscriptions over WebSocket: the per-worker hubs that fan messages out, the bus that tells them
what was stored (PostgreSQL's NOTIFY, or a poll on SQLite), and the graphql-transport-ws socket."""
