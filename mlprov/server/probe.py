"""Short, bounded checks of whether something answers on a local port.

The Neo4j driver retries a failed connection for up to 30 s inside every query, so readiness is
probed here with plain sockets and one HTTP request, each bounded to about a second.
"""

from __future__ import annotations

import socket
import urllib.error
import urllib.request

HOST = "127.0.0.1"
PROBE_TIMEOUT_S = 1.0

# Bolt handshake: the magic preamble, then four version proposals (5.0 to 5.4, 4.4, none, none).
_BOLT_HANDSHAKE = bytes.fromhex("6060B017" "00040405" "00000404" "00000000" "00000000")


def port_is_free(port: int) -> bool:
    """True when nothing listens on the loopback port (a closing connection does not count)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
        return True


def bolt_answers(port: int) -> bool:
    """True when a Bolt server on the loopback port completes the version handshake."""
    try:
        with socket.create_connection((HOST, port), timeout=PROBE_TIMEOUT_S) as connection:
            connection.sendall(_BOLT_HANDSHAKE)
            return len(connection.recv(4)) == 4
    except OSError:
        return False


def http_answers(url: str) -> bool:
    """True when a GET of the URL answers 200."""
    try:
        with urllib.request.urlopen(url, timeout=PROBE_TIMEOUT_S) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False
