"""Every way a bearer token can be wrong gets UNAUTHENTICATED, and no product field runs."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest

from tests.api import error_codes, without_cost
from tests.conftest import TEST_JWT_SECRET, make_settings, serve
from tests.factories import create_user
from videoengage.db.engine import Database

ISSUER = "https://auth.example.com"
AUDIENCE = "videoengage"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unsigned(header: dict[str, Any], claims: dict[str, Any], signature: bytes = b"") -> str:
    return ".".join([_b64(json.dumps(header).encode()), _b64(json.dumps(claims).encode()), _b64(signature)])


def _claims(user_id: int, **overrides: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": str(user_id),
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + timedelta(minutes=5),
    }
    claims.update(overrides)
    return {key: value for key, value in claims.items() if value is not None}


def _signed(user_id: int, secret: str = TEST_JWT_SECRET, **overrides: Any) -> str:
    return jwt.encode(_claims(user_id, **overrides), secret, algorithm="HS256")


def _timestamp(delta: timedelta) -> int:
    return int((datetime.now(UTC) + delta).timestamp())


# Each case builds the Authorization header from the id of a user that exists.
BAD_HEADERS: dict[str, Callable[[int], str | None]] = {
    "no header": lambda uid: None,
    "empty header": lambda uid: "",
    "wrong scheme": lambda uid: f"Basic {_signed(uid)}",
    "scheme only": lambda uid: "Bearer ",
    "garbage": lambda uid: "Bearer not.a.jwt",
    "not base64": lambda uid: "Bearer %%%.%%%.%%%",
    "expired": lambda uid: f"Bearer {_signed(uid, exp=_timestamp(timedelta(minutes=-5)))}",
    "not yet valid": lambda uid: f"Bearer {_signed(uid, nbf=_timestamp(timedelta(minutes=5)))}",
    "wrong signature": lambda uid: (
        f"Bearer {_signed(uid, secret='another-secret-of-sufficient-length-123456')}"
    ),
    "alg none": lambda uid: "Bearer " + _unsigned({"alg": "none", "typ": "JWT"}, _jsonable(_claims(uid))),
    "alg RS256 (key confusion)": lambda uid: (
        "Bearer " + _unsigned({"alg": "RS256", "typ": "JWT"}, _jsonable(_claims(uid)), b"x" * 256)
    ),
    "HS512 when HS256 is configured": lambda uid: (
        "Bearer " + jwt.encode(_claims(uid), TEST_JWT_SECRET, algorithm="HS512")
    ),
    "wrong issuer": lambda uid: f"Bearer {_signed(uid, iss='https://evil.example.com')}",
    "wrong audience": lambda uid: f"Bearer {_signed(uid, aud='someone-else')}",
    "no expiry": lambda uid: f"Bearer {jwt.encode(_jsonable(_claims(uid), drop='exp'), TEST_JWT_SECRET)}",
    "no subject": lambda uid: f"Bearer {jwt.encode(_jsonable(_claims(uid), drop='sub'), TEST_JWT_SECRET)}",
    "subject not an id": lambda uid: f"Bearer {_signed(uid, sub='admin')}",
    "unknown user": lambda uid: f"Bearer {_signed(uid + 1000)}",
}


def _jsonable(claims: dict[str, Any], drop: str | None = None) -> dict[str, Any]:
    return {
        key: int(value.timestamp()) if isinstance(value, datetime) else value
        for key, value in claims.items()
        if key != drop
    }


@pytest.fixture
async def strict_client(db_url: str) -> Any:
    """The app configured with an issuer and an audience, as production would be."""
    async with serve(make_settings(db_url, jwt_issuer=ISSUER, jwt_audience=AUDIENCE)) as client:
        yield client


@pytest.mark.parametrize("case", list(BAD_HEADERS))
async def test_bad_tokens_are_unauthenticated(
    case: str, db: Database, strict_client: httpx.AsyncClient
) -> None:
    user_id = await create_user(db, "Ada")
    header = BAD_HEADERS[case](user_id)
    headers = {} if header is None else {"authorization": header}
    response = await strict_client.post(
        "/graphql", json={"query": "{ viewer { id displayName } }"}, headers=headers
    )
    assert response.status_code == 200
    body = response.json()
    assert "data" not in body  # the request never executed
    assert error_codes(body) == ["UNAUTHENTICATED"]


async def test_a_good_token_with_issuer_and_audience_is_accepted(
    db: Database, strict_client: httpx.AsyncClient
) -> None:
    user_id = await create_user(db, "Ada")
    response = await strict_client.post(
        "/graphql",
        json={"query": "{ viewer { id displayName } }"},
        headers={"authorization": f"Bearer {_signed(user_id)}"},
    )
    assert without_cost(response.json()) == {"data": {"viewer": {"id": str(user_id), "displayName": "Ada"}}}


async def test_several_root_fields_give_one_unauthenticated_error(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": "{ a: viewer { id } b: viewer { id } }"})
    assert error_codes(response.json()) == ["UNAUTHENTICATED"]


async def test_product_fields_hidden_in_fragments_still_need_a_token(client: httpx.AsyncClient) -> None:
    query = "{ __typename ...F } fragment F on Query { ... on Query { viewer { id } } }"
    response = await client.post("/graphql", json={"query": query})
    assert error_codes(response.json()) == ["UNAUTHENTICATED"]


# (claim, seconds from now, leeway setting, accepted): real tokens, real timestamps, the real clock.
LEEWAY_CASES = {
    "expired 2 s ago, no leeway (the default)": ("exp", -2, None, False),
    "expired 2 s ago, leeway 10": ("exp", -2, 10, True),
    "expired 15 s ago, leeway 10": ("exp", -15, 10, False),
    # 5 s, not 2: the token must still be early when it arrives, on a slow machine too.
    "valid from 5 s from now, no leeway": ("nbf", 5, None, False),
    "valid from 2 s from now, leeway 10": ("nbf", 2, 10, True),
    "valid from 15 s from now, leeway 10": ("nbf", 15, 10, False),
}


@pytest.mark.parametrize("case", list(LEEWAY_CASES))
async def test_the_leeway_on_exp_and_nbf_is_the_configured_one(case: str, db: Database, db_url: str) -> None:
    claim, seconds, leeway, accepted = LEEWAY_CASES[case]
    user_id = await create_user(db, "Ada")
    overrides = {} if leeway is None else {"jwt_leeway_seconds": leeway}
    async with serve(make_settings(db_url, jwt_issuer=ISSUER, jwt_audience=AUDIENCE, **overrides)) as client:
        claims = _claims(user_id, **{claim: _timestamp(timedelta(seconds=seconds))})
        token = jwt.encode(_jsonable(claims), TEST_JWT_SECRET)
        response = await client.post(
            "/graphql", json={"query": "{ viewer { id } }"}, headers={"authorization": f"Bearer {token}"}
        )
    body = response.json()
    if accepted:
        assert without_cost(body) == {"data": {"viewer": {"id": str(user_id)}}}
    else:
        assert error_codes(body) == ["UNAUTHENTICATED"]
        expected = "The token has expired" if claim == "exp" else "The token is not valid yet"
        assert body["errors"][0]["message"] == expected


@pytest.mark.parametrize("seconds", [-1, 301])
def test_the_leeway_is_bounded(seconds: int) -> None:
    with pytest.raises(ValueError, match="jwt_leeway_seconds"):
        make_settings("sqlite:///x.db", jwt_leeway_seconds=seconds)
