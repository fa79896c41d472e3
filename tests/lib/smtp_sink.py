#!/usr/bin/python3
"""A real SMTP server for tests, built on Debian's aiosmtpd (run with /usr/bin/python3).

It listens on 127.0.0.1 only, prints exactly one line "listening <port>" once it accepts
connections, and serves until SIGTERM or SIGINT. Each accepted message is written to
--out DIR as <n>.eml (the bytes after DATA, dot-unstuffed as SMTP defines, nothing else
changed) and then <n>.json ({"mail_from", "rcpt_tos", "peer", "tls", "auth_login"}); both
are written to a temporary name and renamed, the JSON last, so a reader that sees <n>.json
sees a complete message.
"""

import argparse
import asyncio
import itertools
import json
import logging
import os
import signal
import ssl
import sys
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

# Replies for the rejections tests ask for most; any other code gets a generic text.
REJECT_TEXT = {
    550: "550 5.1.1 mailbox unavailable",
    551: "551 5.1.6 user not local",
    552: "552 5.2.2 mailbox full",
    553: "553 5.1.3 mailbox name not allowed",
    450: "450 4.2.1 mailbox busy",
    451: "451 4.3.0 local error, try again later",
    452: "452 4.3.1 insufficient storage",
}


def write_atomically(path, data):
    tmp = os.path.join(os.path.dirname(path), "." + os.path.basename(path) + ".tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.rename(tmp, path)


class Sink:
    """The aiosmtpd handler: rejects recipients when asked, stores what it accepts."""

    def __init__(self, out_dir, reject):
        self.out_dir = out_dir
        self.reject = reject
        self.numbers = itertools.count(1)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.reject:
            return REJECT_TEXT.get(self.reject, f"{self.reject} rejected by smtp_sink")
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.out_dir:
            n = next(self.numbers)
            peer = session.peer
            meta = {
                "mail_from": envelope.mail_from,
                "rcpt_tos": envelope.rcpt_tos,
                "peer": f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer),
                "tls": server.transport.get_extra_info("ssl_object") is not None,
                "auth_login": (session.auth_data.login.decode("utf-8", "replace")
                               if isinstance(session.auth_data, LoginPassword) else None),
            }
            write_atomically(os.path.join(self.out_dir, f"{n}.eml"), envelope.original_content)
            write_atomically(os.path.join(self.out_dir, f"{n}.json"),
                             json.dumps(meta, ensure_ascii=False).encode("utf-8"))
        return "250 2.0.0 OK queued"


def make_authenticator(user, password):
    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login == user.encode() and auth_data.password == password.encode())
        # handled=False: aiosmtpd then sends its own 535 (with True it would send nothing).
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)
    return authenticate


def server_context(cert, key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    return ctx


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, default=0, help="0 picks a free port")
    p.add_argument("--out", help="directory for <n>.eml and <n>.json")
    p.add_argument("--reject", type=int, help="reply this code (e.g. 550, 451) to every RCPT")
    p.add_argument("--auth", metavar="USER:PASS", help="require AUTH with these credentials")
    p.add_argument("--auth-mech", choices=["PLAIN", "LOGIN"],
                   help="offer only this AUTH mechanism (default: both)")
    p.add_argument("--starttls", nargs=2, metavar=("CERT", "KEY"), help="offer STARTTLS")
    p.add_argument("--require-starttls", action="store_true",
                   help="refuse everything but EHLO/STARTTLS/QUIT before TLS")
    p.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"),
                   help="implicit TLS: the connection starts with the TLS handshake")
    args = p.parse_args()
    if args.require_starttls and not args.starttls:
        p.error("--require-starttls needs --starttls")
    if args.starttls and args.tls:
        p.error("--starttls and --tls exclude each other")
    if args.auth and ":" not in args.auth:
        p.error("--auth wants USER:PASS")
    return args


async def serve(args):
    handler = Sink(args.out, args.reject)
    smtp_options = {"hostname": "smtp-sink"}  # not getfqdn(): that may wait on DNS
    if args.starttls:
        smtp_options["tls_context"] = server_context(*args.starttls)
        smtp_options["require_starttls"] = args.require_starttls
    if args.auth:
        user, password = args.auth.split(":", 1)
        smtp_options["authenticator"] = make_authenticator(user, password)
        smtp_options["auth_required"] = True
        # With STARTTLS on offer, AUTH waits for it as a real server would; without it the
        # tests run AUTH in clear text over loopback. (aiosmtpd counts only STARTTLS as TLS,
        # so implicit TLS must not require it either.)
        smtp_options["auth_require_tls"] = bool(args.starttls)
        if args.auth_mech:
            other = {"PLAIN": "LOGIN", "LOGIN": "PLAIN"}[args.auth_mech]
            smtp_options["auth_exclude_mechanism"] = [other]

    loop = asyncio.get_running_loop()
    implicit_tls = server_context(*args.tls) if args.tls else None
    server = await loop.create_server(lambda: SMTP(handler, loop=loop, **smtp_options),
                                      host="127.0.0.1", port=args.port, ssl=implicit_tls)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print(f"listening {server.sockets[0].getsockname()[1]}", flush=True)
    await stop.wait()
    server.close()
    await server.wait_closed()


def main():
    # aiosmtpd warns about AUTH without TLS; that is the point of a loopback test sink.
    warnings.simplefilter("ignore")
    # Failed TLS handshakes are part of the tests; their tracebacks are not news.
    logging.getLogger("mail.log").setLevel(logging.CRITICAL)
    args = parse_args()
    if args.out:
        os.makedirs(args.out, exist_ok=True)
    asyncio.run(serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
