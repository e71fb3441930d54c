"""IP address functions, as the "IP address string functions" table documents them.

`isPrivateIP` is RFC 1918 only, as documented. `isPublicIP` means globally
routable; `isReservedIP` (the docs say "a reserved range") is any other
special-purpose address: not public and not RFC 1918.
"""

from __future__ import annotations

import functools
import ipaddress

from ..values import Value, to_text
from .base import Function

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_RFC1918 = tuple(ipaddress.IPv4Network(block) for block in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))


@functools.lru_cache(maxsize=4096)
def _address(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


@functools.lru_cache(maxsize=256)
def _network(text: str) -> IPNetwork | None:
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None


def _parsed(value: Value) -> IPAddress | None:
    text = to_text(value)
    return None if text is None else _address(text)


def _is_valid_ip(value: Value) -> bool:
    return _parsed(value) is not None


def _is_valid_ipv4(value: Value) -> bool:
    return isinstance(_parsed(value), ipaddress.IPv4Address)


def _is_valid_ipv6(value: Value) -> bool:
    return isinstance(_parsed(value), ipaddress.IPv6Address)


def _in_subnet(value: Value, subnet: Value, version: int | None = None) -> bool:
    address, cidr = _parsed(value), to_text(subnet)
    network = _network(cidr) if cidr is not None else None
    if address is None or network is None or address.version != network.version:
        return False
    return (version is None or address.version == version) and address in network


def _in_v4_subnet(value: Value, subnet: Value) -> bool:
    return _in_subnet(value, subnet, 4)


def _in_v6_subnet(value: Value, subnet: Value) -> bool:
    return _in_subnet(value, subnet, 6)


def _ipv4_to_number(value: Value) -> Value:
    address = _parsed(value)
    return int(address) if isinstance(address, ipaddress.IPv4Address) else None


def _is_rfc1918(address: IPAddress | None) -> bool:
    return isinstance(address, ipaddress.IPv4Address) and any(address in block for block in _RFC1918)


def _is_private(value: Value) -> bool:
    return _is_rfc1918(_parsed(value))


def _is_public(value: Value) -> bool:
    address = _parsed(value)
    return address is not None and address.is_global


def _is_reserved(value: Value) -> bool:
    address = _parsed(value)
    return address is not None and not address.is_global and not _is_rfc1918(address)


FUNCTIONS: tuple[Function, ...] = (
    Function("isValidIp", 1, 1, _is_valid_ip),
    Function("isValidIpV4", 1, 1, _is_valid_ipv4),
    Function("isValidIpV6", 1, 1, _is_valid_ipv6),
    Function("isIpInSubnet", 2, 2, _in_subnet),
    Function("isIpv4InSubnet", 2, 2, _in_v4_subnet),
    Function("isIpv6InSubnet", 2, 2, _in_v6_subnet),
    Function("ipv4ToNumber", 1, 1, _ipv4_to_number),
    Function("isPrivateIP", 1, 1, _is_private),
    Function("isPublicIP", 1, 1, _is_public),
    Function("isReservedIP", 1, 1, _is_reserved),
)
