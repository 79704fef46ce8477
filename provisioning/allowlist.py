"""The IP allowlist: parsed and normalised here for both the settings form and the API gate.

Entries are comma-separated: single addresses, CIDR blocks, or ranges `first-last`, IPv4 or IPv6.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import lru_cache

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

MAX_ENTRIES = 200


class AllowlistError(ValueError):
    def __init__(self, bad_entries: list[str], too_many: bool = False) -> None:
        self.bad_entries = bad_entries
        self.too_many = too_many
        super().__init__(", ".join(bad_entries))


@dataclass(frozen=True)
class IPRange:
    first: IPAddress
    last: IPAddress

    def __contains__(self, ip: IPAddress) -> bool:
        return ip.version == self.first.version and self.first <= ip <= self.last

    def __str__(self) -> str:
        return f"{self.first}-{self.last}"


Entry = IPNetwork | IPRange


def _address(text: str) -> IPAddress:
    address = ipaddress.ip_address(text.strip())
    if isinstance(address, ipaddress.IPv6Address):
        # A zone id names an interface of one machine; it means nothing in an allowlist.
        if address.scope_id:
            raise ValueError(text)
        # Clients are matched with IPv4-mapped addresses unmapped (see `allows`), so entries
        # are unmapped too; otherwise `::ffff:10.0.0.1` could never match anyone.
        if address.ipv4_mapped:
            return address.ipv4_mapped
    return address


def _network(text: str) -> IPNetwork:
    # strict=False: "10.1.2.3/8" means the block 10.0.0.0/8; it is shown back that way.
    network = ipaddress.ip_network(text, strict=False)
    if isinstance(network, ipaddress.IPv6Network):
        if "%" in text:
            raise ValueError(text)
        mapped = network.network_address.ipv4_mapped
        if mapped and network.prefixlen >= 96:
            return ipaddress.IPv4Network((mapped, network.prefixlen - 96))
    return network


def _parse_entry(text: str) -> Entry:
    if "-" in text:
        first_text, _, last_text = text.partition("-")
        first, last = _address(first_text), _address(last_text)
        if first.version != last.version or first > last:
            raise ValueError(text)
        if first == last:
            return ipaddress.ip_network(first)
        return IPRange(first, last)
    return _network(text)


def _entry_text(entry: Entry) -> str:
    if isinstance(entry, IPRange):
        return str(entry)
    if entry.num_addresses == 1:
        return str(entry.network_address)
    return str(entry)


@dataclass(frozen=True)
class Allowlist:
    entries: tuple[Entry, ...]

    def __bool__(self) -> bool:
        return bool(self.entries)

    def allows(self, ip: str | None) -> bool:
        """An empty allowlist allows everyone; otherwise the address must fall in an entry."""
        if not self.entries:
            return True
        try:
            address = ipaddress.ip_address(ip or "")
        except ValueError:
            return False
        # An IPv4 client seen through an IPv6 socket arrives as ::ffff:a.b.c.d.
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        return any(address in entry for entry in self.entries)

    def __str__(self) -> str:
        return ", ".join(_entry_text(e) for e in self.entries)


def parse(text: str) -> Allowlist:
    """Parse the comma-separated text; raise AllowlistError naming every bad entry."""
    pieces = [p.strip() for p in (text or "").replace("\n", ",").split(",")]
    pieces = [p for p in pieces if p]
    if len(pieces) > MAX_ENTRIES:
        raise AllowlistError([], too_many=True)
    entries, bad = [], []
    for piece in pieces:
        try:
            entries.append(_parse_entry(piece))
        except ValueError:
            bad.append(piece)
    if bad:
        raise AllowlistError(bad)
    return Allowlist(tuple(dict.fromkeys(entries)))


@lru_cache(maxsize=1024)
def parse_stored(text: str) -> Allowlist:
    """Parse an allowlist that was validated when it was saved; cached for the request gate."""
    return parse(text)
