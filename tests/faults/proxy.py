"""A loopback TCP proxy that a test takes down and brings back: the database "goes away" for the
service behind it without touching the database server the other tests use."""
from __future__ import annotations

import asyncio
import threading


class TcpProxy:
    """Forwards 127.0.0.1:`port` to `target`. `down()` stops listening and cuts every connection
    (a server restarting, a network cut: connections refused); `silent()` accepts connections but
    forwards nothing (a host that has stopped answering: only a client's own timeout ends the wait);
    `up()` forwards again on the same port."""

    def __init__(self, host: str, port: int):
        self.target = (host, port)
        self.port = 0
        self.mode = "up"
        self._server: asyncio.AbstractServer | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="tcp-proxy", daemon=True)
        self._thread.start()
        self._call(self._listen())

    def _call(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(10)

    async def _listen(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
            self.port = self._server.sockets[0].getsockname()[1]

    async def _cut(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()  # a reset, as when the far end dies
        self._writers.clear()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            if self.mode == "silent":
                await reader.read()  # hold the connection until the client gives up
                return
            up_reader, up_writer = await asyncio.open_connection(*self.target)
            self._writers.add(up_writer)
            await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    def up(self) -> None:
        self.mode = "up"
        self._call(self._listen())

    def down(self) -> None:
        self.mode = "down"
        self._call(self._cut())

    def silent(self) -> None:
        self._call(self._cut())
        self.mode = "silent"
        self._call(self._listen())

    def close(self) -> None:
        self._call(self._cut())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
