#!/usr/bin/python3
"""A real SMTP server for the tests (aiosmtpd, Debian package python3-aiosmtpd).

Every accepted message is written whole to OUT/<n>.eml (n counts from 1; written to a temporary
name, then renamed, so a reader never sees half a message). Faults on demand:
  --tempfail N      answer the first N messages' RCPT with 451 (try again later)
  --reject ADDR     answer RCPT to ADDR with 550 (mailbox unavailable), every time
  --delay-ms MS     wait this long before accepting each message's DATA
Prints "ready PORT" on stdout once it listens.
"""
import argparse, asyncio, os, signal, sys
from aiosmtpd.controller import Controller

p = argparse.ArgumentParser()
p.add_argument("--port", type=int, default=0)
p.add_argument("--out", required=True)
p.add_argument("--tempfail", type=int, default=0)
p.add_argument("--reject", action="append", default=[])
p.add_argument("--delay-ms", type=int, default=0)
args = p.parse_args()
os.makedirs(args.out, exist_ok=True)


class Handler:
    def __init__(self):
        self.seen = 0
        self.saved = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in (a.lower() for a in args.reject):
            return "550 5.1.1 mailbox unavailable"
        if self.seen < args.tempfail:
            self.seen += 1
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if args.delay_ms:
            await asyncio.sleep(args.delay_ms / 1000)
        self.saved += 1
        path = os.path.join(args.out, f"{self.saved}.eml")
        with open(path + ".part", "wb") as f:
            f.write(b"X-Envelope-To: " + ",".join(envelope.rcpt_tos).encode() + b"\r\n")
            f.write(envelope.original_content or envelope.content)
        os.rename(path + ".part", path)
        return "250 Message accepted"


port = args.port
if port == 0:
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
controller = Controller(Handler(), hostname="127.0.0.1", port=port)
controller.start()
print(f"ready {port}", flush=True)
signal.sigwait({signal.SIGTERM, signal.SIGINT})
controller.stop()
