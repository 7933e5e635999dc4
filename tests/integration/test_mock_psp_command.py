"""``ocpp-upi mock-psp`` as a separate OS process, driven by the official Razorpay SDK.

This is the vendor's development setup in executable form: the mock PSP started on its own
(here through ``python -m ocpp_upi.psp.command``, the same handler ``ocpp-upi mock-psp`` runs),
a CSMS-like client using Razorpay's own SDK with only the base URL and keys changed, the payer
played through the control API, and signed webhooks arriving at the CSMS's route, a tiny
http.server receiver here. SIGTERM or SIGINT must end the process with exit status 0.

Every wait is bounded: the ready file is polled with a deadline, webhooks are awaited on a
condition with a deadline, and the process gets a few seconds to exit.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import razorpay

from ocpp_upi.config import profile_template
from ocpp_upi.paths import PROJECT_ROOT
from ocpp_upi.upi.link import validate

KEY_ID = "rzp_test_standalone"
KEY_SECRET = "standalone-key-secret"
WEBHOOK_SECRET = "standalone-webhook-secret"
READY_DEADLINE_S = 30.0  # an interpreter start on a loaded CI machine
WEBHOOK_DEADLINE_S = 10.0
EXIT_DEADLINE_S = 5.0


@dataclass(frozen=True)
class Webhook:
    """One POST the receiver got: the raw body (what the signature covers) and headers."""

    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def payload(self) -> dict[str, Any]:
        document: dict[str, Any] = json.loads(self.body)
        return document

    def signed_by(self, secret: str) -> bool:
        expected = hmac.new(secret.encode(), self.body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, self.headers.get("x-razorpay-signature", ""))


class WebhookSink:
    """The CSMS's webhook route: a loopback http.server that answers 200 and records."""

    def __init__(self) -> None:
        self.received: list[Webhook] = []
        self._changed = threading.Condition()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                headers = {name.lower(): value for name, value in self.headers.items()}
                with sink._changed:
                    sink.received.append(Webhook(self.path, headers, body))
                    sink._changed.notify_all()
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the test reads the records, not a log

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/webhooks/psp"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> WebhookSink:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(EXIT_DEADLINE_S)

    def wait_until(self, done: Callable[[list[Webhook]], bool], timeout: float) -> list[Webhook]:
        """Everything received once ``done`` holds; fails the test at the deadline."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not done(self.received):
                left = deadline - time.monotonic()
                if left <= 0:
                    names = [w.payload.get("event") for w in self.received]
                    pytest.fail(f"webhooks not complete within {timeout} s; got {names}")
                self._changed.wait(left)
            return list(self.received)


@dataclass
class Running:
    process: subprocess.Popen[bytes]
    info: dict[str, Any]
    stdout: Path
    stderr: Path

    def control(self, path: str, body: dict[str, Any]) -> httpx.Response:
        """A control-API POST with a JSON body, exactly as the docs' curl examples send it."""
        with httpx.Client(trust_env=False, timeout=WEBHOOK_DEADLINE_S) as client:
            return client.post(self.info["control_base_url"] + path, json=body)

    def stop(self, signum: signal.Signals) -> int:
        self.process.send_signal(signum)
        return self.process.wait(timeout=EXIT_DEADLINE_S)


@contextlib.contextmanager
def mock_psp_process(folder: Path, *args: str) -> Iterator[Running]:
    """Start the command as its own process and yield once its ready file is written.

    Output goes to files, not pipes: the command prints a line per API call and delivery, and
    a pipe nobody drains could block it. Whatever happens, the process does not outlive us.
    """
    ready = folder / "ready.json"
    stdout, stderr = folder / "stdout.txt", folder / "stderr.txt"
    command = [sys.executable, "-m", "ocpp_upi.psp.command", "--ready-file", str(ready), *args]
    with stdout.open("wb") as out, stderr.open("wb") as err:
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, stdout=out, stderr=err)
    try:
        deadline = time.monotonic() + READY_DEADLINE_S
        while not ready.exists():
            if process.poll() is not None:
                pytest.fail(f"mock-psp exited {process.returncode}: {stderr.read_text()[-2000:]}")
            if time.monotonic() > deadline:
                pytest.fail(f"mock-psp wrote no ready file within {READY_DEADLINE_S} s")
            time.sleep(0.02)
        yield Running(process, json.loads(ready.read_text()), stdout, stderr)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(EXIT_DEADLINE_S)


def _events_of(payment_id: str) -> Callable[[list[Webhook]], list[Webhook]]:
    def select(received: list[Webhook]) -> list[Webhook]:
        return [
            w for w in received if w.payload["payload"]["payment"]["entity"]["id"] == payment_id
        ]

    return select


def _intent(client: razorpay.Client, order: dict[str, Any]) -> dict[str, Any]:
    reply: dict[str, Any] = client.payment.createUpi(
        {
            "amount": order["amount"],
            "currency": "INR",
            "order_id": order["id"],
            "method": "upi",
            "upi": {"flow": "intent"},
            "email": "driver@example.com",
            "contact": "9999999999",
            "description": "EV charging",
        }
    )
    return reply


def test_sdk_manual_capture_refund_and_signed_webhooks_then_sigterm(tmp_path: Path) -> None:
    with (
        WebhookSink() as sink,
        mock_psp_process(
            tmp_path,
            "--port",
            "0",
            "--key-id",
            KEY_ID,
            "--key-secret",
            KEY_SECRET,
            "--webhook-secret",
            WEBHOOK_SECRET,
            "--webhook-url",
            sink.url,
        ) as psp,
    ):
        info = psp.info
        assert info["api_base_url"] == info["base_url"] + "/v1"
        assert (info["key_id"], info["webhook_url"]) == (KEY_ID, sink.url)
        # The SDK's base_url is the host part; its resource paths already start with /v1.
        client = razorpay.Client(auth=(KEY_ID, KEY_SECRET), base_url=info["base_url"])

        order = client.order.create(
            {"amount": 25000, "currency": "INR", "receipt": "standalone-1", "payment_capture": 0}
        )
        intent = _intent(client, order)
        assert validate(intent["link"], dynamic=True).reference == order["id"]
        payment_id = intent["razorpay_payment_id"]

        paid = psp.control(f"/payments/{payment_id}/pay", {"payer_vpa": "success@razorpay"})
        assert paid.status_code == 200, paid.text
        assert paid.json()["status"] == "authorized"  # payment_capture 0: held for capture
        assert client.order.fetch(order["id"])["status"] == "attempted"

        captured = client.payment.capture(payment_id, 25000, {"currency": "INR"})
        assert (captured["status"], captured["captured"]) == ("captured", True)
        assert client.order.fetch(order["id"])["status"] == "paid"

        headers = {"X-Refund-Idempotency": f"standalone-refund-{payment_id}"}
        refund = client.payment.refund(payment_id, {"amount": 5000}, headers=headers)
        assert (refund["status"], refund["amount"]) == ("pending", 5000)

        expected = [
            "payment.authorized",
            "payment.captured",
            "order.paid",
            "refund.created",
            "refund.processed",
        ]
        select = _events_of(payment_id)
        received = select(
            sink.wait_until(lambda got: len(select(got)) >= len(expected), WEBHOOK_DEADLINE_S)
        )
        assert [w.payload["event"] for w in received] == expected
        for webhook in received:
            assert webhook.path == "/webhooks/psp"
            assert webhook.signed_by(WEBHOOK_SECRET), webhook.payload["event"]
            assert not webhook.signed_by(KEY_SECRET)
            assert webhook.headers["x-razorpay-event-id"].startswith("evt_")
            signature = webhook.headers["x-razorpay-signature"]
            body = webhook.body.decode("utf-8")
            assert client.utility.verify_webhook_signature(body, signature, WEBHOOK_SECRET)
        processed = received[-1].payload["payload"]["refund"]["entity"]
        assert (processed["id"], processed["status"]) == (refund["id"], "processed")
        assert client.refund.fetch(refund["id"])["status"] == "processed"
        assert client.payment.fetch(payment_id)["refund_status"] == "partial"

        assert psp.stop(signal.SIGTERM) == 0, psp.stderr.read_text()

    out = psp.stdout.read_text()
    assert out.startswith(f"mock PSP ready: api={info['api_base_url']} ")
    assert "api      POST /v1/orders -> 200" in out
    assert f"api      POST /v1/payments/{payment_id}/capture -> 200" in out
    assert "webhook  refund.processed " in out
    assert out.rstrip().endswith("mock PSP stopped")
    for secret in (KEY_SECRET, WEBHOOK_SECRET):
        assert secret not in out
    assert psp.stderr.read_text() == ""


def test_profile_settings_auto_capture_via_the_order_route_then_sigint(tmp_path: Path) -> None:
    """Settings from a harness profile's [psp], one overridden by a flag; the order is paid by
    its id (auto-capture); SIGINT (Ctrl-C) ends the process as cleanly as SIGTERM."""
    with WebhookSink() as sink:
        profile = profile_template()
        for old, new in (
            ('listen = "127.0.0.1:9100"', 'listen = "127.0.0.1:0"'),
            ('key_id = "rzp_test_ocppupi"', f'key_id = "{KEY_ID}"'),
            ('webhook_url = "http://127.0.0.1:9001/webhooks/psp"', f'webhook_url = "{sink.url}"'),
        ):
            assert profile.count(old) == 1, old
            profile = profile.replace(old, new)
        path = tmp_path / "acme.toml"
        path.write_text(profile, encoding="utf-8")
        profile_key_secret = "replace-with-the-key-secret-configured-in-your-csms"

        with mock_psp_process(
            tmp_path, "--profile", str(path), "--webhook-secret", WEBHOOK_SECRET
        ) as psp:
            info = psp.info
            assert (info["host"], info["key_id"], info["webhook_url"]) == (
                "127.0.0.1",
                KEY_ID,
                sink.url,
            )
            assert info["port"] > 0  # listen port 0 in the profile: a free one
            client = razorpay.Client(auth=(KEY_ID, profile_key_secret), base_url=info["base_url"])
            order = client.order.create({"amount": 12000, "currency": "INR"})
            intent = _intent(client, order)

            paid = psp.control(f"/orders/{order['id']}/pay", {"payer_vpa": "success@razorpay"})
            assert paid.status_code == 200, paid.text
            assert paid.json()["id"] == intent["razorpay_payment_id"]
            payment = client.payment.fetch(intent["razorpay_payment_id"])
            assert (payment["status"], payment["captured"]) == ("captured", True)
            assert client.order.fetch(order["id"])["status"] == "paid"

            select = _events_of(payment["id"])
            received = select(
                sink.wait_until(lambda got: len(select(got)) >= 3, WEBHOOK_DEADLINE_S)
            )
            assert [w.payload["event"] for w in received] == [
                "payment.authorized",
                "payment.captured",
                "order.paid",
            ]
            assert all(w.signed_by(WEBHOOK_SECRET) for w in received)  # the flag won

            assert psp.stop(signal.SIGINT) == 0, psp.stderr.read_text()
        assert profile_key_secret not in psp.stdout.read_text()


def test_a_bad_profile_exits_2_with_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "missing.toml"
    result = subprocess.run(
        [sys.executable, "-m", "ocpp_upi.psp.command", "--profile", str(missing)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=READY_DEADLINE_S,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == f"ocpp-upi: error: profile {missing}: file not found\n"
