from __future__ import annotations

import hashlib
from unittest import mock

from provisioning import tokens


def test_a_new_token_has_the_scheme_prefix_and_enough_entropy():
    new = tokens.generate_token()
    assert new.plaintext.startswith("scim_")
    # 32 random bytes, URL-safe base64: 43 characters after the scheme.
    assert len(new.plaintext) == len("scim_") + 43
    assert new.prefix == new.plaintext[: tokens.PREFIX_LENGTH]
    assert new.last4 == new.plaintext[-4:]


def test_only_a_hash_of_the_token_is_kept_not_the_token():
    new = tokens.generate_token()
    assert new.hash == hashlib.sha256(new.plaintext.encode()).hexdigest()
    assert new.plaintext not in (new.hash, new.prefix)
    assert new.plaintext[tokens.PREFIX_LENGTH :] not in new.hash


def test_two_tokens_differ():
    assert tokens.generate_token().plaintext != tokens.generate_token().plaintext


def test_it_matches_the_right_token_and_nothing_else():
    new = tokens.generate_token()
    assert tokens.token_matches(new.plaintext, new.hash)
    assert not tokens.token_matches(new.plaintext + "x", new.hash)
    assert not tokens.token_matches(new.plaintext, "")
    assert not tokens.token_matches("", new.hash)


def test_the_comparison_is_constant_time():
    new = tokens.generate_token()
    with mock.patch.object(tokens.hmac, "compare_digest", wraps=tokens.hmac.compare_digest) as spy:
        tokens.token_matches(new.plaintext, new.hash)
    spy.assert_called_once_with(new.hash, new.hash)


def test_the_lookup_prefix_is_none_for_foreign_or_short_tokens():
    new = tokens.generate_token()
    assert tokens.lookup_prefix(new.plaintext) == new.prefix
    assert tokens.lookup_prefix("rest-api-key-0123456789") is None
    assert tokens.lookup_prefix("scim_1234") is None
    assert tokens.lookup_prefix(new.prefix) is None


def test_the_mask_shows_the_prefix_and_last_four_only():
    assert tokens.mask("scim_abcdefgh", "wxyz") == "scim_abcdefgh••••••••wxyz"
