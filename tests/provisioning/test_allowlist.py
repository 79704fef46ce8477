from __future__ import annotations

import pytest

from provisioning.allowlist import MAX_ENTRIES, AllowlistError, parse


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("", ""),
        ("203.0.113.7", "203.0.113.7"),
        ("203.0.113.7/32", "203.0.113.7"),
        ("198.51.100.0/24", "198.51.100.0/24"),
        ("10.1.2.3/8", "10.0.0.0/8"),
        ("10.0.0.1 - 10.0.0.9", "10.0.0.1-10.0.0.9"),
        ("10.0.0.5-10.0.0.5", "10.0.0.5"),
        ("2001:DB8::1", "2001:db8::1"),
        ("2001:db8::/32", "2001:db8::/32"),
        ("2001:db8::1-2001:db8::ff", "2001:db8::1-2001:db8::ff"),
        ("::ffff:10.0.0.1", "10.0.0.1"),
        ("::ffff:10.0.0.0/120", "10.0.0.0/24"),
        (" 10.0.0.1 ,\n10.0.0.2,, ", "10.0.0.1, 10.0.0.2"),
        ("10.0.0.1, 10.0.0.1/32", "10.0.0.1"),
    ],
)
def test_it_parses_and_normalises_valid_entries(text, shown):
    assert str(parse(text)) == shown


def test_it_names_every_bad_entry_in_order():
    text = "10.0.0.1, 300.1.1.1, nope, 10.0.0.9-10.0.0.1, 10.0.0.1/33, 10.0.0.1-2001:db8::1"
    with pytest.raises(AllowlistError) as error:
        parse(text)
    assert error.value.bad_entries == [
        "300.1.1.1",
        "nope",
        "10.0.0.9-10.0.0.1",
        "10.0.0.1/33",
        "10.0.0.1-2001:db8::1",
    ]


@pytest.mark.parametrize(
    "entry", ["fe80::1%eth0", "fe80::/64%eth0", "010.0.0.1", "1", "10.0.0.1-", "-10.0.0.1"]
)
def test_it_rejects_zone_ids_leading_zeros_and_half_ranges(entry):
    with pytest.raises(AllowlistError) as error:
        parse(entry)
    assert error.value.bad_entries == [entry]


def test_it_refuses_more_than_the_maximum_number_of_entries():
    text = ", ".join(f"10.0.{n // 256}.{n % 256}" for n in range(MAX_ENTRIES + 1))
    with pytest.raises(AllowlistError) as error:
        parse(text)
    assert error.value.too_many


def test_an_empty_allowlist_allows_everyone():
    assert parse("").allows("198.51.100.1")
    assert parse("").allows(None)


@pytest.mark.parametrize(
    ("ip", "allowed"),
    [
        ("203.0.113.7", True),
        ("198.51.100.200", True),
        ("10.0.0.5", True),
        ("10.0.0.10", False),
        ("2001:db8::42", True),
        ("2001:db9::1", False),
        ("::ffff:203.0.113.7", True),  # an IPv4 client seen through an IPv6 socket
        ("192.0.2.1", False),
        ("not an ip", False),
        ("", False),
        (None, False),
    ],
)
def test_it_matches_addresses_blocks_and_ranges(ip, allowed):
    allowlist = parse("203.0.113.7, 198.51.100.0/24, 10.0.0.1-10.0.0.9, 2001:db8::/32")
    assert allowlist.allows(ip) is allowed


def test_a_mapped_entry_matches_the_plain_ipv4_client():
    assert parse("::ffff:10.0.0.1").allows("10.0.0.1")


def test_an_ipv4_range_never_matches_an_ipv6_address():
    assert not parse("0.0.0.0-255.255.255.255").allows("2001:db8::1")
