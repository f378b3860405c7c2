"""A TCP proxy between the app under test and its PostgreSQL server, to take the database away
and give it back (stop, start on the same port), or cut one connection at a chosen statement:
before it reaches the server, or once the server has answered it (the server did it; the app
never hears so)."""
from __future__ import annotations

import socket
import threading
from dataclasses import dataclass


@dataclass
class Cut:
    pattern: bytes  # client bytes that trigger the cut
    armed_by: bytes | None  # the cut waits for these client bytes first, on the same connection
    answered: bool  # forward the statement and drop the server's answer, rather than the statement
    done: bool = False


class TcpProxy:
    def __init__(self, upstream_host: str, upstream_port: int):
        self.upstream = (upstream_host, upstream_port)
        self.port = 0
        self._listener: socket.socket | None = None
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._cut: Cut | None = None

    def start(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        """No new connection is accepted, and every open one is broken off."""
        if self._listener is not None:
            # close() alone leaves the thread blocked in accept() listening (Linux).
            _close(self._listener)
            self._listener = None
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            _close(sock)

    def cut(self, pattern: bytes, *, armed_by: bytes | None = None, answered: bool = False) -> Cut:
        """Break off the first connection that sends `pattern` (after `armed_by`, if given)."""
        self._cut = Cut(pattern, armed_by, answered)
        return self._cut

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _address = listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.upstream)
            except OSError:
                _close(client)
                continue
            with self._lock:
                self._sockets |= {client, server}
            state = {"armed": False, "doomed": False}
            threading.Thread(target=self._pump, args=(client, server, state, True),
                             daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, state, False),
                             daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, state: dict,
              from_client: bool) -> None:
        try:
            while data := source.recv(65536):
                cut = self._cut
                if from_client and cut is not None and not cut.done:
                    if cut.armed_by is None or cut.armed_by in data:
                        state["armed"] = True
                    if state["armed"] and cut.pattern in data:
                        cut.done = True
                        if not cut.answered:
                            break
                        state["doomed"] = True
                elif not from_client and state["doomed"]:
                    break  # the server's answer to the cut statement: never delivered
                sink.sendall(data)
        except OSError:
            pass
        _close(source)
        _close(sink)


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
