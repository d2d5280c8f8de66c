"""Where a webhook may be sent: public addresses only, checked at registration and at every delivery.

A subscription URL is chosen by whoever holds an API key; without these checks the worker would POST
wherever it says — the API itself, the database, a cloud metadata service (169.254.169.254) — and the
delivery log would tell the key holder which internal ports answer (server-side request forgery).

* The URL is ``https`` (``http`` only where ``webhook_require_https`` is off, i.e. in development),
  carries no user name or password, and names its host in a standard form: a DNS name, a dotted-quad
  IPv4 address or a bracketed IPv6 address. Other numeric spellings that resolvers accept
  (``0x7f000001``, ``2130706433``, ``0177.0.0.1``, ``127.1``) are refused outright.
* Every address the host resolves to must be public: loopback, private, link-local, CGNAT
  (100.64.0.0/10), multicast, reserved, unspecified, unique-local and IPv6 forms that embed an IPv4
  address (IPv4-mapped, 6to4, Teredo, NAT64) are refused, unless the address lies in one of the
  ``webhook_allowed_networks`` an operator listed for on-premises receivers.
* The delivery connects to the address that was checked (``WebhookTarget.connect_url``), with the
  name in the Host header and for TLS (SNI and certificate): a DNS answer that changes between the
  check and the connection (DNS rebinding) cannot redirect it.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from foundation.settings import ServiceSettings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[..., list[tuple[Any, ...]]]

_DEFAULT_PORTS = {"http": 80, "https": 443}
# IPv6 prefixes that carry an IPv4 address a gateway would reach (RFC 6052 NAT64, RFC 8215 local NAT64).
_NAT64 = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))


class WebhookTargetRefused(ValueError):
    """The URL may not receive webhooks; ``message`` says why (Russian)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class WebhookPolicy:
    require_https: bool
    allowed_networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def of(cls, service: ServiceSettings) -> WebhookPolicy:
        return cls(
            require_https=service.webhook_require_https,
            allowed_networks=_networks(service.webhook_allowed_networks),
        )


def _networks(values: Iterable[str]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(value, strict=False) for value in values)


@dataclass(frozen=True)
class WebhookTarget:
    """A checked URL and the addresses it was checked at."""

    url: str
    scheme: str
    host: str  # as written in the URL (IDNA-encoded name, or an address)
    port: int
    addresses: tuple[IPAddress, ...]

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == _DEFAULT_PORTS[self.scheme] else f"{host}:{self.port}"

    def connect_url(self, address: IPAddress) -> str:
        """The URL with its host replaced by ``address``: what the delivery connects to."""
        parts = urlsplit(self.url)
        literal = f"[{address}]" if address.version == 6 else str(address)
        return urlunsplit((parts.scheme, f"{literal}:{self.port}", parts.path or "/", parts.query, ""))


def check_webhook_url(url: str, policy: WebhookPolicy, resolve: Resolver | None = None) -> WebhookTarget:
    """The checked target of ``url``, or ``WebhookTargetRefused`` saying why it may not be used.

    ``resolve``: a ``socket.getaddrinfo`` stand-in (default: the system resolver, looked up per call).
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise WebhookTargetRefused("webhook_url_invalid", "Адрес уведомлений записан неверно.") from exc
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise WebhookTargetRefused("webhook_url_scheme", "Адрес уведомлений должен начинаться с https://.")
    if scheme == "http" and policy.require_https:
        raise WebhookTargetRefused(
            "webhook_https_required", "Уведомления отправляются только по HTTPS: укажите адрес https://…"
        )
    if parts.username is not None or parts.password is not None:
        raise WebhookTargetRefused(
            "webhook_url_credentials", "В адресе уведомлений не должно быть имени пользователя и пароля."
        )
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise WebhookTargetRefused("webhook_url_invalid", "В адресе уведомлений нет имени сервера.")
    port = port or _DEFAULT_PORTS[scheme]
    literal = _literal_address(host)
    addresses = (literal,) if literal is not None else _resolve(host, port, resolve or socket.getaddrinfo)
    for address in addresses:
        _check_address(address, policy)
    return WebhookTarget(url=url.strip(), scheme=scheme, host=host, port=port, addresses=addresses)


def _literal_address(host: str) -> IPAddress | None:
    """The address ``host`` spells in a standard form; refuses the other numeric forms resolvers accept."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:
        socket.inet_aton(host)  # accepts 0x7f000001, 2130706433, 0177.0.0.1, 127.1 ...
    except OSError:
        return None  # a name
    raise WebhookTargetRefused(
        "webhook_url_numeric_host",
        f"Адрес сервера «{host}» записан в нестандартной числовой форме: укажите имя сервера.",
    )


def _resolve(host: str, port: int, resolve: Resolver) -> tuple[IPAddress, ...]:
    try:
        answers = resolve(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise WebhookTargetRefused(
            "webhook_host_unknown", f"Имя сервера «{host}» не найдено в DNS."
        ) from exc
    addresses: list[IPAddress] = []
    for _family, _type, _proto, _name, sockaddr in answers:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])  # drop an IPv6 zone id
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise WebhookTargetRefused("webhook_host_unknown", f"Имя сервера «{host}» не найдено в DNS.")
    return tuple(addresses)


def _check_address(address: IPAddress, policy: WebhookPolicy) -> None:
    if any(address in network for network in policy.allowed_networks):
        return
    if not is_public(address):
        raise WebhookTargetRefused(
            "webhook_address_not_allowed",
            "Адрес уведомлений ведёт во внутреннюю сеть (локальный, частный или служебный адрес): "
            "уведомления отправляются только на публичные адреса.",
        )


def is_public(address: IPAddress) -> bool:
    """An address on the public internet, not one that leads back inside (see the module docstring)."""
    if isinstance(address, ipaddress.IPv6Address) and (
        address.ipv4_mapped is not None
        or address.sixtofour is not None
        or address.teredo is not None
        or any(address in prefix for prefix in _NAT64)
    ):
        return False
    return address.is_global and not (address.is_multicast or address.is_reserved or address.is_unspecified)

