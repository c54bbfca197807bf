"""The network guard: Python started with this folder on PYTHONPATH cannot reach beyond this machine.

Every kernel the tests and ``./course execute`` start loads it (see
``coursetools.notebooks.KERNEL_ENV``), so the whole course is proven to run
offline on every test run: a chapter that tried to download anything would fail
with the message below. Loopback stays open, because Jupyter's kernels and
``torch.distributed`` talk over 127.0.0.1.
"""
from __future__ import annotations

import ipaddress
import socket

MESSAGE = "network access is disabled while the course runs under test: the course must work offline"
_LOCAL_NAMES = {"localhost", "", None}


def _is_local(host: object) -> bool:
    if host in _LOCAL_NAMES:
        return True
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


def _checked(method):
    def guarded(self, address, *args, **kwargs):
        if isinstance(address, tuple) and not _is_local(address[0]):
            raise OSError(f"{MESSAGE} (tried {address[0]})")
        return method(self, address, *args, **kwargs)

    return guarded


_getaddrinfo = socket.getaddrinfo


def _guarded_getaddrinfo(host, *args, **kwargs):
    if not _is_local(host):
        raise socket.gaierror(f"{MESSAGE} (tried to resolve {host})")
    return _getaddrinfo(host, *args, **kwargs)


socket.socket.connect = _checked(socket.socket.connect)  # type: ignore[method-assign]
socket.socket.connect_ex = _checked(socket.socket.connect_ex)  # type: ignore[method-assign]
socket.getaddrinfo = _guarded_getaddrinfo
