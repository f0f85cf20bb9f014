"""HTTP requests to addresses an owner typed in: the gateway's confirmation URL, Discord
alerts and owners' own webhook endpoints.

By default only public addresses are reached. Loopback, private, link-local (cloud
metadata services), multicast, reserved and unspecified addresses are refused when the
connection is made, after DNS: a name that resolves, or later re-resolves, to an
internal address is refused too. Otherwise one Network's owner could make Tally send
requests to services on its machine or network, and read their answers on the payments
page. Redirects are not followed, and no proxy from the environment is used (it would
hide the address). ``TALLY_OUTBOUND_ALLOW_PRIVATE=1`` lifts the check for every call;
``TALLY_GATEWAY_ALLOW_PRIVATE=1`` for the gateway's only, for a store on a private network.
"""
import http.client
import ipaddress
import socket
import urllib.request


class BlockedAddress(OSError):
    """The host resolves only to addresses Tally will not connect to."""


# IPv6 ranges whose last 32 bits are an IPv4 address a gateway or the host may reach:
# NAT64's well-known prefix, IPv4-compatible and IPv4-translated addresses.
_LAST_32_BITS_IPV4 = [ipaddress.ip_network(n) for n in ("64:ff9b::/96", "::/96", "::ffff:0:0:0/96")]
# Where the IPv4 address sits here depends on the operator's setup: never reached.
_OPAQUE = [ipaddress.ip_network("64:ff9b:1::/48")]  # local-use NAT64


def is_public(address: str) -> bool:
    """Whether Tally may connect to ``address``: globally routable unicast, and for an IPv6
    address that carries an IPv4 one (mapped, NAT64, 6to4, Teredo), that one too.

    ``is_global`` alone misses some ranges (fec0::/10, site-local IPv6, counts as global in
    Python 3.11), so every special-purpose property is checked as well."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone (fe80::1%eth0)
    if ip.version == 6:
        if any(ip in network for network in _OPAQUE):
            return False
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and any(ip in network for network in _LAST_32_BITS_IPV4):
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:  # where the connection really goes
            if not is_public(str(embedded)):
                return False
            if ip.teredo is None:  # a translation prefix (reserved space) around a public one
                return True
    special = (ip.is_private, ip.is_loopback, ip.is_link_local, ip.is_multicast, ip.is_reserved,
               ip.is_unspecified, getattr(ip, "is_site_local", False))
    return ip.is_global and not any(special)


def _connect_public(address, timeout=None, source_address=None, *args, **kwargs):
    """socket.create_connection, for public addresses only."""
    host, port = address
    error: OSError | None = None
    for family, kind, proto, _, sockaddr in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        if not is_public(sockaddr[0]):
            # The message names the host only: what an internal name resolves to stays private.
            error = BlockedAddress(f"{host} does not resolve to a public address (set "
                                   "TALLY_OUTBOUND_ALLOW_PRIVATE=1 to allow private ones)")
            continue
        sock = socket.socket(family, kind, proto)
        try:
            if isinstance(timeout, (int, float)):
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)
            return sock
        except OSError as exc:
            sock.close()
            error = exc
    raise error or OSError(f"{host} has no address")


class _PublicOnly:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._create_connection = _connect_public  # what http.client connects with


class _PublicHTTPConnection(_PublicOnly, http.client.HTTPConnection):
    pass


class _PublicHTTPSConnection(_PublicOnly, http.client.HTTPSConnection):
    pass


class _PublicHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):
        return self.do_open(_PublicHTTPConnection, req)


class _PublicHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):
        return self.do_open(_PublicHTTPSConnection, req, context=self._context)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect would turn a POST into a GET without the body: treat it as the answer."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_PUBLIC = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect,
                                      _PublicHTTPHandler, _PublicHTTPSHandler)
_ANY = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)


def opener(allow_private: bool = False) -> urllib.request.OpenerDirector:
    return _ANY if allow_private else _PUBLIC
