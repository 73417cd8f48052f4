#!/usr/bin/python3
"""bench/rtt_proxy.py UPSTREAM_URL RTT_MS PORT_FILE: a TCP relay on 127.0.0.1 that holds every chunk
for RTT_MS/2 in each direction, so a client talking through it sees a server RTT_MS away (a cloud
API server is 10-50 ms from a laptop). TLS passes through untouched: the server's certificate is
for 127.0.0.1, so a kubeconfig whose server is https://127.0.0.1:<port in PORT_FILE> still verifies.
Bandwidth is not limited and order is kept; only delay is added (no netem in this kernel).
Runs until killed; writes its port to PORT_FILE once it listens."""
import asyncio
import os
import signal
import sys
import time
from urllib.parse import urlparse

upstream = urlparse(sys.argv[1])
DELAY = float(sys.argv[2]) / 2000.0
port_file = sys.argv[3]


async def pipe(reader, writer):
    # A reader task stamps each chunk; this writer sends it once its time has come. The queue keeps
    # order and lets chunks in flight overlap, as on a real link.
    queue = asyncio.Queue()

    async def read():
        while True:
            try:
                data = await reader.read(1 << 16)
            except (ConnectionError, OSError):
                data = b""
            await queue.put((time.monotonic() + DELAY, data))
            if not data:
                return

    task = asyncio.ensure_future(read())
    try:
        while True:
            due, data = await queue.get()
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            if not data:
                break
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
    except (ConnectionError, OSError):
        pass
    finally:
        task.cancel()


async def relay(client_reader, client_writer):
    try:
        server_reader, server_writer = await asyncio.open_connection(upstream.hostname, upstream.port)
    except OSError:
        client_writer.close()
        return
    await asyncio.gather(pipe(client_reader, server_writer), pipe(server_reader, client_writer),
                         return_exceptions=True)
    for w in (client_writer, server_writer):
        w.close()


async def main():
    server = await asyncio.start_server(relay, "127.0.0.1", 0)
    with open(port_file + ".tmp", "w") as f:
        f.write("%d\n" % server.sockets[0].getsockname()[1])
    os.replace(port_file + ".tmp", port_file)
    async with server:
        await server.serve_forever()


signal.signal(signal.SIGTERM, lambda *_: os._exit(0))  # killed by the bench: nothing to tidy
asyncio.run(main())
