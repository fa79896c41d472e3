"""Real receivers on loopback for the system tests: Debian's aiosmtpd (tests/lib/smtp_sink.py)
and an HTTP receiver (tests/lib/http_sink.py), each started on an ephemeral port and stopped
at the end. Not a test (scripts/run-tests runs only tests/system/*.py)."""

from __future__ import annotations

import email
import email.message
import email.policy
import json
import pathlib
import subprocess

from systest import harness

ROOT = pathlib.Path(__file__).resolve().parents[3]
SYSTEM_PYTHON = "/usr/bin/python3"  # Debian's, which has aiosmtpd
SECRET = "test-signing-secret-0123456789"


class Sink:
    """A sink script started on an ephemeral loopback port, stopped at the end."""

    def __init__(self, script: str, *args: str):
        self.proc = subprocess.Popen([SYSTEM_PYTHON, str(ROOT / "tests/lib" / script), "--port", "0", *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().strip()
        if not line.startswith("listening "):
            self.stop()
            raise harness.HarnessError(f"{script} did not start: {line!r} {self.proc.stderr.read()}")
        self.port = int(line.split()[1])

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()


class HttpSink(Sink):
    def __init__(self, workdir: pathlib.Path, name: str, *args: str):
        self.out = workdir / f"{name}.jsonl"
        self.out.touch()
        super().__init__("http_sink.py", "--out", str(self.out), "--secret", SECRET, *args)
        self.url = f"http://127.0.0.1:{self.port}/hook/{name}"

    def requests(self) -> list[dict]:
        lines = self.out.read_text(encoding="utf-8").splitlines()
        return [json.loads(x) for x in lines if x.strip()]


class SmtpSink(Sink):
    def __init__(self, workdir: pathlib.Path):
        self.dir = workdir / "mail"
        self.dir.mkdir()
        super().__init__("smtp_sink.py", "--out", str(self.dir))

    def messages(self) -> list[tuple[bytes, email.message.EmailMessage]]:
        out = []
        for js in sorted(self.dir.glob("*.json"), key=lambda p: int(p.stem)):
            raw = (self.dir / f"{js.stem}.eml").read_bytes()
            out.append((raw, email.message_from_bytes(raw, policy=email.policy.default)))
        return out

    def to(self, address: str):
        return [(raw, m) for raw, m in self.messages() if address in str(m["To"])]


