"""``python -m ocpp_upi.csms``: run the reference CSMS in the foreground until Ctrl-C.

A convenience for poking at the CSMS by hand; the project's CLI (``ocpp-upi reference-csms``)
is the supported entry point and calls the same ``serve_forever``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal

from ocpp_upi.csms.server import ReferenceCsms, serve_forever
from ocpp_upi.csms.settings import CsmsSettings


def _parse_args() -> CsmsSettings:
    parser = argparse.ArgumentParser(prog="python -m ocpp_upi.csms", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--ocpp-port", type=int, default=9000)
    parser.add_argument("--http-port", type=int, default=9001)
    parser.add_argument("--charger-password", default=None)
    parser.add_argument("--bank-secret", default=CsmsSettings.bank_webhook_secret)
    parser.add_argument(
        "--psp-base-url", default=None, help="e.g. http://127.0.0.1:9100; enables the pay page"
    )
    parser.add_argument("--psp-key-id", default=CsmsSettings.psp_key_id)
    parser.add_argument("--psp-key-secret", default=CsmsSettings.psp_key_secret)
    parser.add_argument("--psp-webhook-secret", default=CsmsSettings.psp_webhook_secret)
    args = parser.parse_args()
    return CsmsSettings(
        host=args.host,
        ocpp_port=args.ocpp_port,
        http_port=args.http_port,
        charger_password=args.charger_password,
        bank_webhook_secret=args.bank_secret,
        psp_base_url=args.psp_base_url,
        psp_key_id=args.psp_key_id,
        psp_key_secret=args.psp_key_secret,
        psp_webhook_secret=args.psp_webhook_secret,
    )


def _announce(csms: ReferenceCsms) -> None:
    print(f"OCPP:          {csms.ocpp_url}/<chargerId>")
    print(f"bank webhook:  {csms.bank_webhook_url}")
    print(f"static QR:     {csms.static_qr_url_template}")
    if csms.settings.payments_enabled:
        print(f"pay page:      {csms.pay_page_url_template}")
        print(f"redirect QR:   {csms.redirect_qr_url_template}")
        print(f"PSP webhook:   {csms.psp_webhook_url}")
    print(end="", flush=True)


async def _main(settings: CsmsSettings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    await serve_forever(settings, ready=_announce, stop_event=stop)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    asyncio.run(_main(_parse_args()))
