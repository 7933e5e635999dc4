"""The CSMS a fleet drives, and the mock PSP beside it.

Three ways, one shape (a profile and the running mock PSP):
- ``external_target``: a vendor's CSMS from its profile; the mock PSP listens where the profile
  says, because the CSMS was configured with that base URL.
- ``reference_process_target``: the bundled reference CSMS as its own OS process (``ocpp-upi
  reference-csms`` on free ports), so the fleet's memory and CPU are the harness's alone.
- ``reference_in_process_target``: a ReferenceCsms (sub)class on the fleet's own loop; the
  self-tests use it to run fault-injected variants.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import tempfile
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from ocpp_upi.config import Profile, load_profile, reference_profile
from ocpp_upi.errors import OcppUpiError
from ocpp_upi.psp import MockPsp, PspSettings

BANK_SECRET = "fleet-bank-secret-7c21"
CHARGER_PASSWORD = "fleet-charger-password-3b"
PSP_KEY_ID = "rzp_test_fleet"
PSP_KEY_SECRET = "fleet-psp-key-secret-a9"
PSP_WEBHOOK_SECRET = "fleet-psp-webhook-secret-5e"
PRICE_PER_KWH = Decimal("10")
TAX_RATE = Decimal("0.18")
READY_TIMEOUT_S = 30.0


class TargetError(OcppUpiError):
    """The CSMS a fleet should drive could not be started or reached."""


def _psp_settings(**extra: Any) -> PspSettings:
    return PspSettings(
        key_id=PSP_KEY_ID, key_secret=PSP_KEY_SECRET, webhook_secret=PSP_WEBHOOK_SECRET, **extra
    )


def _profile(endpoints: dict[str, str], psp: MockPsp) -> Profile:
    return reference_profile(
        endpoints,
        secret=BANK_SECRET,
        password=CHARGER_PASSWORD,
        price_per_kwh=PRICE_PER_KWH,
        tax_rate=TAX_RATE,
        psp={
            "listen": psp.base_url.removeprefix("http://"),
            "key_id": PSP_KEY_ID,
            "key_secret": PSP_KEY_SECRET,
            "webhook_secret": PSP_WEBHOOK_SECRET,
        },
    )


@contextlib.asynccontextmanager
async def external_target(path: str | Path) -> AsyncIterator[tuple[Profile, MockPsp | None]]:
    profile = load_profile(path)
    account = profile.psp
    if account is None:
        yield profile, None
        return
    psp = MockPsp(PspSettings.for_account(account))
    await psp.start()
    try:
        yield profile, psp
    finally:
        await psp.stop()


@contextlib.asynccontextmanager
async def reference_process_target() -> AsyncIterator[tuple[Profile, MockPsp]]:
    psp = MockPsp(_psp_settings())
    await psp.start()
    try:
        with tempfile.TemporaryDirectory(prefix="ocpp-upi-fleet-") as folder:
            ready = Path(folder) / "ready.json"
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "ocpp_upi.cli", "reference-csms",
                "--port", "0", "--http-port", "0", "--ready-file", str(ready),
                "--secret", BANK_SECRET, "--password", CHARGER_PASSWORD,
                "--psp-base-url", psp.base_url, "--psp-key-id", PSP_KEY_ID,
                "--psp-key-secret", PSP_KEY_SECRET, "--psp-webhook-secret", PSP_WEBHOOK_SECRET,
                "--price-per-kwh", str(PRICE_PER_KWH), "--tax-rate", str(TAX_RATE),
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            )  # fmt: skip
            try:
                endpoints = await _ready(process, ready)
                psp.set_webhook_url(endpoints["psp_webhook_url"])
                yield _profile(endpoints, psp), psp
            finally:
                if process.returncode is None:
                    process.terminate()
                    try:
                        await asyncio.wait_for(process.wait(), 10.0)
                    except TimeoutError:
                        process.kill()
                        await process.wait()
    finally:
        await psp.stop()


async def _ready(process: asyncio.subprocess.Process, ready: Path) -> dict[str, str]:
    """The endpoints the reference CSMS announces (its ready file is written before its line)."""
    assert process.stdout is not None and process.stderr is not None
    try:
        line = await asyncio.wait_for(process.stdout.readline(), READY_TIMEOUT_S)
    except TimeoutError as exc:
        raise TargetError(f"the reference CSMS was not ready within {READY_TIMEOUT_S:g} s") from exc
    if not line.startswith(b"reference CSMS ready"):
        error = (await process.stderr.read()).decode(errors="replace")[-2000:]
        raise TargetError(f"the reference CSMS did not start: {line!r} {error}")
    # The ready file is written before the line is printed: a small read, once.
    endpoints: dict[str, str] = json.loads(ready.read_text(encoding="utf-8"))  # noqa: ASYNC240
    return endpoints


@contextlib.asynccontextmanager
async def reference_in_process_target(
    csms_class: type[Any] | None = None, **settings: Any
) -> AsyncIterator[tuple[Profile, MockPsp]]:
    """``csms_class`` (a ReferenceCsms subclass, default the reference itself) on this loop."""
    from ocpp_upi.csms.server import ReferenceCsms
    from ocpp_upi.csms.settings import CsmsSettings

    cls = csms_class or ReferenceCsms
    psp = MockPsp(_psp_settings())
    await psp.start()
    csms = cls(
        CsmsSettings(
            bank_webhook_secret=BANK_SECRET,
            charger_password=CHARGER_PASSWORD,
            price_per_kwh=PRICE_PER_KWH,
            tax_rate=TAX_RATE,
            psp_base_url=psp.base_url,
            psp_key_id=PSP_KEY_ID,
            psp_key_secret=PSP_KEY_SECRET,
            psp_webhook_secret=PSP_WEBHOOK_SECRET,
            web_payments=True,
            **settings,
        )
    )
    await csms.start()
    try:
        psp.set_webhook_url(f"{csms.http_base_url}/webhooks/psp")
        yield _profile(csms.endpoints(), psp), psp
    finally:
        await csms.stop()
        await psp.stop()
