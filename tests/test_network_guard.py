import socket

import pytest


def test_non_loopback_connections_are_refused_in_tests():
    with socket.socket() as sock, pytest.raises(OSError, match="only connect to loopback"):
        sock.connect(("192.0.2.1", 80))  # TEST-NET-1: never reached


def test_loopback_is_allowed():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        with socket.socket() as client:
            client.connect(server.getsockname())
