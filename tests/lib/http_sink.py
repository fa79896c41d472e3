#!/usr/bin/python3
"""A real HTTP receiver for webhook tests (stdlib only).

It listens on 127.0.0.1 only, prints "listening <port>" once it accepts connections and
serves until SIGTERM or SIGINT. Every request is appended to --out FILE as one JSON line
{"method", "path", "headers", "body", "received_at"[, "signature_valid"]}, flushed as it
is written and before the answer, so a test can read it as soon as its request returns.
"""

import argparse
import hashlib
import hmac
import json
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def signature_valid(secret, headers, body):
    """Checks X-Kanri-Signature = "sha256=" + hex HMAC-SHA256(secret, "<ts>.<body>")."""
    given = headers.get("X-Kanri-Signature", "")
    ts = headers.get("X-Kanri-Timestamp", "")
    expected = "sha256=" + hmac.new(secret.encode(), ts.encode() + b"." + body,
                                    hashlib.sha256).hexdigest()
    return hmac.compare_digest(given, expected)


class Sink:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.count = 0
        self.out = open(args.out, "a", encoding="utf-8") if args.out else None

    def record(self, handler, body):
        with self.lock:
            self.count += 1
            n = self.count
            if self.out:
                line = {
                    "method": handler.command,
                    "path": handler.path,
                    "headers": dict(handler.headers.items()),
                    "body": body.decode("utf-8", "replace"),
                    "received_at": time.time(),
                }
                if self.args.secret is not None:
                    line["signature_valid"] = signature_valid(self.args.secret, handler.headers, body)
                self.out.write(json.dumps(line, ensure_ascii=False) + "\n")
                self.out.flush()
        return n

    def status_for(self, n):
        return 503 if n <= self.args.fail_first else self.args.status


def make_handler(sink):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def answer(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length > 0 else b""
            n = sink.record(self, body)
            if sink.args.delay > 0:
                time.sleep(sink.args.delay)
            status = sink.status_for(n)
            text = f"http_sink answers {status} to request {n}\n".encode()
            try:
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", "http://127.0.0.1:9/moved-here")
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(text)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(text)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test); nothing left to tell it
            self.close_connection = True

        do_POST = do_GET = do_PUT = do_PATCH = do_DELETE = answer

        def log_message(self, format, *args):
            pass  # keep test output to what the test prints

    return Handler


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, default=0, help="0 picks a free port")
    p.add_argument("--out", help="append one JSON line per request to this file")
    p.add_argument("--status", type=int, default=200, help="status to answer (default 200)")
    p.add_argument("--fail-first", type=int, default=0, metavar="N",
                   help="answer 503 to the first N requests, then --status")
    p.add_argument("--delay", type=float, default=0.0, metavar="SECONDS",
                   help="wait this long before answering")
    p.add_argument("--secret", help="verify X-Kanri-Signature with this secret")
    return p.parse_args()


def main():
    args = parse_args()
    sink = Sink(args)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(sink))
    server.daemon_threads = True  # a delayed answer must not hold up the exit
    # shutdown() waits for serve_forever to finish, so it cannot run in the handler itself,
    # which interrupts serve_forever on this thread.
    def stop(*_):
        threading.Thread(target=server.shutdown).start()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, stop)
    print(f"listening {server.server_address[1]}", flush=True)
    server.serve_forever(poll_interval=0.05)  # shutdown() waits up to one interval
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
