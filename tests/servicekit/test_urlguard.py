"""The URL guard against a name server that lies: the connection goes only where the
check looked, with the hostname kept for the Host header, SNI and the certificate."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import socket
import ssl
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from servicekit.urlguard import UnsafeURL, check_url, guarded_client

PUBLIC = "93.184.216.34"  # never connected to: the resolver gives it to the check only


@dataclass
class FakeDNS:
    """Answers for some names, in turn (the last answer repeats); other names resolve as
    usual. Installed as `socket.getaddrinfo`, which every resolution in the process uses:
    the guard's and the one httpx would make when connecting."""

    answers: dict[str, list[str]]
    asked: list[str] = field(default_factory=list)

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        real = socket.getaddrinfo

        def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
            name = host.decode() if isinstance(host, bytes) else host
            if name not in self.answers:
                return real(host, port, *args, **kwargs)
            self.asked.append(name)
            turn = self.answers[name]
            address = turn.pop(0) if len(turn) > 1 else turn[0]
            number = int(port or 0)
            if ":" in address:
                return [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, number, 0, 0))]
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, number))]

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@dataclass
class LocalServer:
    """A minimal HTTP/1.1 server on 127.0.0.1 (TLS when given a context) that records
    each request's Host header and, with TLS, the server name the client sent (SNI)."""

    port: int = 0
    hosts: list[str] = field(default_factory=list)
    server_names: list[str | None] = field(default_factory=list)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        for line in head.decode("latin-1").split("\r\n")[1:]:
            name, _, value = line.partition(":")
            if name.lower() == "host":
                self.hosts.append(value.strip())
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\ninside")
        await writer.drain()
        writer.close()


@asynccontextmanager
async def local_server(tls: ssl.SSLContext | None = None) -> AsyncIterator[LocalServer]:
    recorder = LocalServer()
    if tls is not None:

        def sni(_: ssl.SSLObject, name: str | None, __: ssl.SSLContext) -> None:
            recorder.server_names.append(name)

        tls.sni_callback = sni
    server = await asyncio.start_server(recorder.handle, "127.0.0.1", 0, ssl=tls)
    recorder.port = server.sockets[0].getsockname()[1]
    try:
        yield recorder
    finally:
        server.close()
        await server.wait_closed()


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> Callable[..., FakeDNS]:
    def install(**answers: list[str]) -> FakeDNS:
        fake = FakeDNS({name.replace("_", "."): list(ips) for name, ips in answers.items()})
        fake.install(monkeypatch)
        return fake

    return install


async def test_a_name_that_rebinds_to_loopback_after_the_check_is_not_reached(
    dns: Callable[..., FakeDNS],
) -> None:
    """The name is public when the guard asks and 127.0.0.1 when the connection is made:
    the connection goes only to an address that was checked, so it never reaches us."""
    fake = dns(rebind_example_com=[PUBLIC, "127.0.0.1"])
    async with local_server() as server, guarded_client(allow_private=False) as client:
        with pytest.raises(UnsafeURL, match="private"):
            await client.get(f"http://rebind.example.com:{server.port}/admin")
    assert server.hosts == []  # nothing reached the server on 127.0.0.1
    assert len(fake.asked) == 2  # the early check, then the connection's own check


@pytest.mark.parametrize(
    "address",
    [
        "2002:7f00:1::",  # 6to4 of 127.0.0.1
        "2002:a00:1::1",  # 6to4 of 10.0.0.1
        "2002:a9fe:a9fe::",  # 6to4 of 169.254.169.254, cloud metadata
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "64:ff9b::c0a8:1",  # NAT64 of 192.168.0.1
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
        "64:ff9b:1::a00:1",  # local-use NAT64: translated inside a private network
        "::127.0.0.1",  # IPv4-compatible (deprecated)
        "::ffff:10.0.0.1",  # IPv4-mapped
    ],
)
async def test_ipv6_addresses_are_judged_by_the_ipv4_address_they_embed(
    address: str, dns: Callable[..., FakeDNS]
) -> None:
    with pytest.raises(UnsafeURL):
        await check_url(f"http://[{address}]/feed.xml", allow_private=False)
    dns(v6_example_com=[address])
    with pytest.raises(UnsafeURL):
        await check_url("http://v6.example.com/feed.xml", allow_private=False)


async def test_ipv6_embeddings_of_public_ipv4_addresses_pass_the_check() -> None:
    public = ipaddress.IPv4Address(PUBLIC)
    for address in (f"2002:{int(public) >> 16:x}:{int(public) & 0xFFFF:x}::", f"64:ff9b::{PUBLIC}"):
        await check_url(f"https://[{address}]/feed.xml", allow_private=False)


async def test_the_pinned_connection_keeps_the_hostname_in_the_host_header(
    dns: Callable[..., FakeDNS],
) -> None:
    fake = dns(feeds_example_com=["127.0.0.1"])
    async with local_server() as server, guarded_client(allow_private=True) as client:
        response = await client.get(f"http://feeds.example.com:{server.port}/rss.xml")
    assert response.text == "inside"
    assert server.hosts == [f"feeds.example.com:{server.port}"]
    assert fake.asked == ["feeds.example.com"]  # connected by the guard's own resolution


@dataclass
class Certificates:
    ca_file: Path
    server: ssl.SSLContext

    def client(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca_file))


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    """A private CA and a certificate it signed for secure.example.com only (no IP)."""
    folder = tmp_path_factory.mktemp("tls")
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("Mediaops test CA"))
        .issuer_name(_name("Mediaops test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(_name("secure.example.com"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("secure.example.com")]), critical=False
        )
        .add_extension(x509.ExtendedKeyUsage([x509.OID_SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_file = folder / "ca.pem"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    chain = folder / "server.pem"
    chain.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        + leaf.public_bytes(serialization.Encoding.PEM)
    )
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(chain)
    return Certificates(ca_file=ca_file, server=server)


async def test_https_keeps_sni_and_verifies_the_certificate_for_the_hostname(
    dns: Callable[..., FakeDNS], certificates: Certificates
) -> None:
    """Connected to 127.0.0.1, TLS still names secure.example.com (SNI) and checks the
    certificate against it: a certificate for another name is refused."""
    dns(secure_example_com=["127.0.0.1"], other_example_com=["127.0.0.1"])
    async with local_server(tls=certificates.server) as server:
        async with guarded_client(allow_private=True, verify=certificates.client()) as client:
            response = await client.get(f"https://secure.example.com:{server.port}/")
            assert response.text == "inside"
            assert server.server_names == ["secure.example.com"]
            assert server.hosts == [f"secure.example.com:{server.port}"]

            with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
                await client.get(f"https://other.example.com:{server.port}/")
        # And without our CA, the system's trust store does not know the certificate.
        async with guarded_client(allow_private=True) as default_trust:
            with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
                await default_trust.get(f"https://secure.example.com:{server.port}/")
