"""Bearer tokens: minting them for the CLI and turning an Authorization header into a user id.

Verification is pure (no IO); whether the user still exists is checked by the caller, through the
request's user loader, so that ``viewer`` costs no second statement.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from videoengage.errors import Unauthenticated
from videoengage.settings import Settings

DEFAULT_TOKEN_TTL_SECONDS = 3600


def issue_token(settings: Settings, user_id: int, ttl_seconds: int = DEFAULT_TOKEN_TTL_SECONDS) -> str:
    """A token for ``user_id``, signed with the configured secret, algorithm, issuer and audience."""
    now = datetime.now(UTC)
    claims: dict[str, object] = {
        "sub": str(user_id),
        "iat": now,
        "nbf": now,
        "exp": now + timedelta(seconds=ttl_seconds),
    }
    if settings.jwt_issuer:
        claims["iss"] = settings.jwt_issuer
    if settings.jwt_audience:
        claims["aud"] = settings.jwt_audience
    return jwt.encode(claims, settings.signing_secret(), algorithm=settings.jwt_algorithm)


@dataclass(frozen=True)
class VerifiedToken:
    user_id: int
    expires_at: float  # epoch seconds


def bearer_token(authorization: str | None) -> str:
    """The token of an ``Authorization: Bearer <JWT>`` header; ``Unauthenticated`` otherwise."""
    if not authorization:
        raise Unauthenticated("Authentication required: send an 'Authorization: Bearer <token>' header")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("The Authorization header must be 'Bearer <token>'")
    return token.strip()


def verify_token(settings: Settings, token: str) -> VerifiedToken:
    """The user a valid token names, and when it expires; ``Unauthenticated`` otherwise."""
    try:
        claims = jwt.decode(
            token,
            settings.signing_secret(),
            # Only the configured algorithm: never 'none', never an asymmetric key confusion.
            algorithms=[settings.jwt_algorithm],
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            leeway=settings.jwt_leeway_seconds,
            options={
                "require": ["exp", "sub"],
                "verify_aud": settings.jwt_audience is not None,
                "verify_iss": settings.jwt_issuer is not None,
            },
        )
    except jwt.ExpiredSignatureError:
        raise Unauthenticated("The token has expired") from None
    except jwt.ImmatureSignatureError:
        raise Unauthenticated("The token is not valid yet") from None
    except jwt.PyJWTError:
        raise Unauthenticated("The token is invalid") from None
    subject, expires_at = claims["sub"], claims["exp"]
    if not isinstance(subject, str) or not subject.isdecimal() or len(subject) > 18:
        raise Unauthenticated("The token's subject is not a user id")
    return VerifiedToken(user_id=int(subject), expires_at=float(expires_at))
