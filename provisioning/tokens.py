"""The SCIM token: generated once, stored as a lookup prefix plus a SHA-256 hash, checked in
constant time. A 256-bit random token needs no slow hash: guessing it is hopeless either way."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

TOKEN_SCHEME = "scim_"
PREFIX_LENGTH = len(TOKEN_SCHEME) + 8


@dataclass(frozen=True)
class NewToken:
    plaintext: str
    prefix: str
    hash: str
    last4: str


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def generate_token() -> NewToken:
    plaintext = TOKEN_SCHEME + secrets.token_urlsafe(32)
    return NewToken(
        plaintext=plaintext,
        prefix=plaintext[:PREFIX_LENGTH],
        hash=hash_token(plaintext),
        last4=plaintext[-4:],
    )


def lookup_prefix(presented: str) -> str | None:
    """The prefix to find the stored token by, or None if it cannot be one of ours."""
    if not presented.startswith(TOKEN_SCHEME) or len(presented) <= PREFIX_LENGTH:
        return None
    return presented[:PREFIX_LENGTH]


def token_matches(presented: str, stored_hash: str) -> bool:
    return bool(stored_hash) and hmac.compare_digest(hash_token(presented), stored_hash)


def mask(prefix: str, last4: str) -> str:
    return f"{prefix}{'•' * 8}{last4}"
