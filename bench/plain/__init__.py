"""The reference server: the benchmark's workloads written the plain way, to compare ours against.

What a competent developer writes by following the documentation of Strawberry, SQLAlchemy and
aiodataloader, neither sabotaged nor optimised: ``strawberry.asgi.GraphQL`` on Starlette, served by
``uvicorn --workers N``; the project's ORM models with ``create_async_engine`` and
``async_sessionmaker``, one ``AsyncSession`` per resolver or loader batch; a token verified with
PyJWT and its user loaded on every request; ``DataLoader``s made per request. Every setting is the
libraries' documented default, except the pool's size (see ``database.py``).

It has only what the six benchmark documents use, under the same type, field, argument and enum
names as ``schema.graphql``, so the same documents and variables run against it unchanged. The
benchmark serves it next to ours and reports ours ÷ plain, server CPU ms per request: a ratio that
holds from one machine to the next, where absolute milliseconds do not.

Not for production and not imported by the project: the benchmark starts it with
``python -m uvicorn bench.plain.app:app`` (``DATABASE_URL`` and ``JWT_SECRET`` from the environment).
"""
