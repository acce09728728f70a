"""Documents known by their SHA-256: trusted ones from a manifest, and those clients register (APQ).

Apollo's automatic persisted queries: a client sends ``extensions.persistedQuery.sha256Hash``
without the query; an unknown hash is answered ``PERSISTED_QUERY_NOT_FOUND`` and the client sends
the query with its hash, which registers it once it has passed validation. Trusted documents come
from a manifest in the shape graphql-codegen's persisted-documents output writes (a JSON object,
hash to document); with ``trusted_only`` nothing else is run, and nothing else is parsed.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path

from graphql import GraphQLError, GraphQLSchema, parse, validate
from strawberry.http import GraphQLRequestData

from videoengage.errors import ErrorCode
from videoengage.http_request import RequestRefused
from videoengage.settings import ConfigurationError, Settings

_SHA256 = re.compile(r"[0-9a-f]{64}")
# Apollo Server's answer to an unknown hash: 200, so the client retries with the query, and never
# cached by a CDN in front of GET requests.
NOT_FOUND_STATUS = 200
NOT_FOUND_HEADERS = {"cache-control": "private, no-cache, must-revalidate"}


def sha256_hex(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()


def _not_found() -> RequestRefused:
    # The message is the protocol's: older Apollo links recognise the error by it.
    return RequestRefused(
        NOT_FOUND_STATUS,
        "PersistedQueryNotFound",
        NOT_FOUND_HEADERS,
        code=ErrorCode.PERSISTED_QUERY_NOT_FOUND,
    )


class PersistedDocuments:
    """Resolves a request's hash to its document, and keeps registered documents in a bounded LRU."""

    def __init__(self, trusted: Mapping[str, str], *, trusted_only: bool, cache_bytes: int) -> None:
        self.trusted = dict(trusted)
        self.trusted_only = trusted_only
        self.cache_bytes = cache_bytes
        self._registered: OrderedDict[str, str] = OrderedDict()
        self._registered_bytes = 0

    @classmethod
    def from_settings(cls, settings: Settings) -> PersistedDocuments:
        trusted = {} if settings.trusted_documents is None else load_manifest(settings.trusted_documents)
        return cls(
            trusted,
            trusted_only=settings.trusted_documents_only,
            cache_bytes=settings.persisted_query_cache_bytes,
        )

    def check_trusted(self, schema: GraphQLSchema) -> None:
        """Every trusted document parses and is valid against this schema, or the server does not start:
        a client built against another schema would otherwise fail only when it runs."""
        for sha, document in self.trusted.items():
            try:
                errors = validate(schema, parse(document))
            except GraphQLError as error:
                errors = [error]
            if errors:
                raise ConfigurationError(
                    f"TRUSTED_DOCUMENTS: the document {sha} is invalid: {errors[0].message}"
                )

    def resolve(self, request: GraphQLRequestData) -> GraphQLRequestData:
        """The request with its document filled in from its hash; refused if the hash is unknown,
        does not match the document sent, or (trusted only) names no trusted document."""
        sha = _persisted_hash(request.extensions)
        if sha is None:
            if self.trusted_only and (request.query is None or sha256_hex(request.query) not in self.trusted):
                raise _not_found()
            return request
        if request.query is not None:
            if sha256_hex(request.query) != sha:
                raise RequestRefused(400, "The persistedQuery's sha256Hash is not the SHA-256 of the query")
            if self.trusted_only and sha not in self.trusted:
                raise _not_found()
            return request
        document = self.trusted.get(sha) or self._lookup(sha)
        if document is None:
            raise _not_found()
        request.query = document
        return request

    def _lookup(self, sha: str) -> str | None:
        document = self._registered.get(sha)
        if document is not None:
            self._registered.move_to_end(sha)
        return document

    def register(self, query: str | None, extensions: Mapping[str, object] | None) -> None:
        """Remember a document sent with its hash; called once it has passed validation."""
        sha = _persisted_hash(extensions)
        if (
            query is None
            or sha is None
            or self.trusted_only
            or sha in self.trusted
            or sha in self._registered
        ):
            return
        size = len(query)
        if size > self.cache_bytes:
            return
        self._registered[sha] = query
        self._registered_bytes += size
        while self._registered_bytes > self.cache_bytes:
            _, evicted = self._registered.popitem(last=False)
            self._registered_bytes -= len(evicted)


def _persisted_hash(extensions: Mapping[str, object] | None) -> str | None:
    """The hash of ``extensions.persistedQuery``, checked: version 1 and 64 lower-case hex digits."""
    if not extensions or "persistedQuery" not in extensions:
        return None
    persisted = extensions["persistedQuery"]
    if not isinstance(persisted, dict) or persisted.get("version") != 1:
        raise RequestRefused(400, 'Unsupported persistedQuery: send {"version": 1, "sha256Hash": "…"}')
    sha = persisted.get("sha256Hash")
    if not isinstance(sha, str) or _SHA256.fullmatch(sha) is None:
        raise RequestRefused(400, "The persistedQuery's sha256Hash must be 64 lower-case hex digits")
    return sha


def load_manifest(path: Path) -> dict[str, str]:
    """A trusted-documents manifest: a JSON object of SHA-256 hashes to the documents they hash."""
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise ConfigurationError(f"TRUSTED_DOCUMENTS: cannot read {path}: {error}") from None
    if not isinstance(manifest, dict):
        raise ConfigurationError(f"TRUSTED_DOCUMENTS: {path} must hold a JSON object of hash to document")
    for sha, document in manifest.items():
        if sha.startswith("sha256:"):
            # The client preset's hashAlgorithm "sha256" writes these; its clients then send the
            # prefix too, which Apollo's protocol (sha256Hash: 64 hex digits) does not allow.
            raise ConfigurationError(
                f"TRUSTED_DOCUMENTS: {path} has keys prefixed 'sha256:': generate plain hex SHA-256 "
                "(graphql-codegen: persistedDocuments.hashAlgorithm as a function, see clients/codegen.ts)"
            )
        if not isinstance(document, str) or sha256_hex(document) != sha:
            raise ConfigurationError(
                f"TRUSTED_DOCUMENTS: the entry {sha[:80]!r} in {path} is not a document under its SHA-256"
            )
    return manifest
