"""A TCP relay: relay.py LISTEN_HOST:PORT=TARGET_HOST:PORT ... (one or
more mappings). Prints "ready" once every listener is bound, relays bytes
both ways unchanged (the mutual TLS passes through end to end) until
SIGTERM. The qmacsecd QKD tests use it to reach KMEs that listen on the
loopback of another network namespace, so the KME certificates (SAN
127.0.0.1) verify as they are."""
import asyncio
import signal
import sys


async def pipe(reader, writer):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        try:
            writer.close()
        except Exception:
            pass


def handler(host, port):
    async def handle(reader, writer):
        try:
            r2, w2 = await asyncio.open_connection(host, port)
        except OSError:
            writer.close()
            return
        await asyncio.gather(pipe(reader, w2), pipe(r2, writer))
    return handle


async def main(maps):
    servers = []
    for m in maps:
        src, dst = m.split("=")
        lh, lp = src.rsplit(":", 1)
        th, tp = dst.rsplit(":", 1)
        servers.append(await asyncio.start_server(
            handler(th, int(tp)), lh, int(lp)))
    print("ready", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    await stop.wait()
    for s in servers:
        s.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
