"""The self-managed MariaDB VM's private CA (stacks/azure/templates/mariadb-cloud-init.yaml.j2)
must satisfy a client that verifies strictly: Python 3.13+ turns on VERIFY_X509_STRICT by default
(the Frappe image runs 3.14), which refuses a CA without keyUsage. The test renders the real
cloud-init, runs its own certificate commands with openssl in a temporary folder, and makes a TLS
handshake with strict verification and the host name checked, as the app would."""

from __future__ import annotations

import re
import shutil
import socket
import ssl
import subprocess
import threading

import pytest

from councilkit.blueprints.deployment import build_deployment
from councilkit.stacks.azure.database_vm import HOST, render_cloud_init


def _certificate_commands(tmp_path) -> str:
    d = build_deployment("erpnext", cloud="azure", tier="production")
    text = render_cloud_init(d, vault="kv", client_id="id", dump_account="acct", secret="s")
    block = text[text.index('if [ ! -s "$data/tls/ca.pem" ]; then'):]
    block = block[block.index("\n") + 1:block.index("\n      fi")]
    lines = [re.sub(r"^\s+", "", line) for line in block.splitlines()]
    keep = [line for line in lines if not line.startswith(("chmod", "chgrp"))]
    return f'data="{tmp_path}"\nmkdir -p "$data/tls"\n' + "\n".join(keep) + "\n"


def _handshake(ca: str, cert: str, key: str, host: str) -> None:
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert, key)
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve():
        conn, _ = listener.accept()
        try:
            server.wrap_socket(conn, server_side=True).close()
        except (ssl.SSLError, OSError):
            pass

    threading.Thread(target=serve, daemon=True).start()
    client = ssl.create_default_context(cafile=ca)
    client.verify_flags |= ssl.VERIFY_X509_STRICT
    with client.wrap_socket(socket.create_connection(("127.0.0.1", port)), server_hostname=host):
        pass
    listener.close()


def test_the_vm_ca_and_server_certificate_pass_strict_verification(tmp_path):
    if not shutil.which("openssl"):
        pytest.skip("openssl is not installed: Debian's openssl package provides it")
    script = _certificate_commands(tmp_path)
    assert "keyUsage=critical,keyCertSign,cRLSign" in script and "authorityKeyIdentifier" in script
    subprocess.run(["sh", "-ec", script], check=True, capture_output=True, timeout=120)
    tls = tmp_path / "tls"
    strict = subprocess.run(["openssl", "verify", "-x509_strict", "-CAfile", tls / "ca.pem", tls / "server.pem"],
                            capture_output=True, text=True)
    assert strict.returncode == 0, strict.stdout + strict.stderr
    _handshake(str(tls / "ca.pem"), str(tls / "server.pem"), str(tls / "server.key"), HOST)


def test_a_ca_without_key_usage_is_what_strict_clients_refuse(tmp_path):
    """The mutation: the CA as the template made it before (no keyUsage) is refused, so the test
    above would catch the extension going missing again."""
    if not shutil.which("openssl"):
        pytest.skip("openssl is not installed: Debian's openssl package provides it")
    script = _certificate_commands(tmp_path).replace(
        '-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"', "")
    subprocess.run(["sh", "-ec", script], check=True, capture_output=True, timeout=120)
    tls = tmp_path / "tls"
    with pytest.raises(ssl.SSLCertVerificationError, match="key usage"):
        _handshake(str(tls / "ca.pem"), str(tls / "server.pem"), str(tls / "server.key"), HOST)
