"""``ocpp-upi check-profile``: is every endpoint the profile names there, before a run?

A vendor wiring their CSMS to the harness gets one line per item, each with a fix hint, instead
of a suite full of ERRORs: the OCPP handshake for every declared version (with its credentials),
the webhook routes (a validly signed probe that names nothing the CSMS issued, so nothing can
start), the pay page and the static-QR link. ``ocpp-upi run`` uses the reachability part of the
same checks as its pre-flight.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

import httpx

from ocpp_upi.bank.notification import credit
from ocpp_upi.bank.notifier import BankNotifier, WebhookExchange
from ocpp_upi.charger.handshake_probe import probe_handshake
from ocpp_upi.charger.station import MockCharger
from ocpp_upi.config import ANY_IDENTITY, TLS_PROFILE, BankWebhook, Profile, PspAccount
from ocpp_upi.hooks.model import MANUAL_MODE, HookTemplate
from ocpp_upi.hooks.runner import manual_refusal
from ocpp_upi.ocpp.trace import FrameTrace
from ocpp_upi.ocpp.versions import SUBPROTOCOLS
from ocpp_upi.psp.crafted import captured_event, new_event_id, post_raw, razorpay_headers
from ocpp_upi.reachability import check_reachable
from ocpp_upi.tls import client_tls_context
from ocpp_upi.tls_material import ca_bundle_finding, expired_station_finding, station_finding
from ocpp_upi.verdicts import ConformanceFailure, HarnessError

MISSING = (404, 405, 501)
HOOK_SAMPLE = {"charger_id": "PROBE", "evse": 1}
WRONG_SECRET = (401, 403)


@dataclass(frozen=True)
class CheckItem:
    name: str
    ok: bool
    detail: str
    hint: str = ""

    def line(self) -> str:
        mark = "ok  " if self.ok else "FAIL"
        text = f"{mark} {self.name}: {self.detail}"
        return f"{text}\n       fix: {self.hint}" if self.hint and not self.ok else text


def reachability_items(profile: Profile) -> list[CheckItem]:
    """One bounded TCP connect per endpoint: the run's pre-flight."""
    urls = {"OCPP endpoint": profile.target.ocpp_url}
    if profile.bank is not None:
        urls["bank webhook"] = profile.bank.url
    if profile.static_qr.link_url_template is not None:
        urls["static-QR link"] = profile.static_qr.link_url_template
    if profile.pay_page is not None:
        urls["pay page"] = profile.pay_page.url_template
    for action, per_version in profile.hooks.templates.items():
        for version, template in per_version.items():
            sample = template.render({**HOOK_SAMPLE, "version": version}).url
            urls.setdefault(f"{action} hook", sample)
    items = _manual_items(profile)
    for name, url in urls.items():
        reason = check_reachable(url, profile.timeouts.connect)
        items.append(
            CheckItem(
                f"{name} reachable",
                reason is None,
                url if reason is None else f"{url} ({reason})",
                "start the CSMS, or correct the host and port in the profile",
            )
        )
    return items


def _manual_items(profile: Profile) -> list[CheckItem]:
    if profile.hooks.mode != MANUAL_MODE:
        return []
    refusal = manual_refusal()
    detail = refusal or "a terminal is there to confirm each action"
    return [CheckItem("manual operator hooks", refusal is None, detail, "run it interactively")]


def _probe_identity(profile: Profile) -> tuple[str, str | None]:
    first = profile.chargers[0]
    identity = f"PROBE-{uuid.uuid4().hex[:8]}" if first.id == ANY_IDENTITY else first.id
    return identity, first.password


async def _handshake_items(
    profile: Profile, identity: str, password: str | None
) -> list[CheckItem]:
    url = profile.target.charger_url(identity)
    tls = _probe_tls(profile)
    items = []
    for version in profile.target.versions:
        own = SUBPROTOCOLS[version]
        outcome = await probe_handshake(
            url,
            [own],
            identity=identity,
            password=password,
            timeout=profile.timeouts.connect,
            close_within=profile.timeouts.quiet_window,
            tls=tls,
        )
        ok = outcome.chosen == own
        hint = ""
        if outcome.refused_with in WRONG_SECRET:
            hint = "the CSMS refused the credentials: check [[chargers]] id/password and "
            hint += "[csms] security_profile"
        elif outcome.failure and "CERTIFICATE_VERIFY_FAILED" in outcome.failure:
            hint = "the CSMS's certificate does not chain to [csms] ca_bundle, or names "
            hint += "another host than [csms] ocpp_url"
        elif outcome.refused_with == 404:
            hint = "no OCPP endpoint at that path: check [csms] ocpp_url"
        elif outcome.failure:
            hint = "start the CSMS, or correct [csms] ocpp_url"
        elif not ok:
            hint = f"the CSMS does not speak {own}: remove {version} from [csms] versions"
        items.append(
            CheckItem(
                f"OCPP {version} handshake as {identity}",
                ok,
                f"{url}: {outcome.describe()}",
                hint,
            )
        )
    return items


def _webhook_item(name: str, table: str, exchange: WebhookExchange) -> CheckItem:
    status = exchange.status
    seen = f"{exchange.url}: " + (f"HTTP {status}" if status is not None else str(exchange.error))
    if status is None:
        return CheckItem(name, False, seen, f"start the CSMS, or correct [{table}] webhook_url")
    if status in MISSING:
        return CheckItem(name, False, seen, f"no such route: correct [{table}] webhook_url")
    if status in WRONG_SECRET:
        hint = f"a validly signed probe was refused: is [{table}]'s secret the CSMS's?"
        return CheckItem(name, False, seen, hint)
    if status >= 500:
        return CheckItem(name, False, seen, "the CSMS failed on a signed probe: see its log")
    return CheckItem(name, True, f"{seen} (route exists, accepts a signed request)")


async def _bank_item(profile: Profile, bank: BankWebhook) -> CheckItem:
    notifier = BankNotifier(
        bank.url,
        bank.secret,
        signature_header=bank.signature_header,
        timeout=profile.timeouts.response,
    )
    try:
        probe = credit(
            f"OCPPUPI-PROBE-{uuid.uuid4().hex[:8]}", amount="1.00", payee_vpa=bank.merchant_vpa
        )
        exchange = await notifier.deliver(probe)
    finally:
        await notifier.aclose()
    return _webhook_item("bank webhook route (signed probe naming no EVSE)", "bank", exchange)


async def _psp_item(profile: Profile, psp: PspAccount) -> CheckItem:
    body = captured_event(f"order_PROBE{uuid.uuid4().hex[:10]}", 100)
    headers = razorpay_headers(body, psp.webhook_secret, new_event_id())
    exchange = await post_raw(psp.webhook_url, body, headers, profile.timeouts.response)
    return _webhook_item("PSP webhook route (signed probe for no order)", "psp", exchange)


async def _page_item(name: str, url: str, table: str, timeout: float, *, upi: bool) -> CheckItem:
    try:
        async with httpx.AsyncClient(
            timeout=timeout, trust_env=False, verify=client_tls_context(False)
        ) as client:
            response = await client.get(url)
    except httpx.HTTPError as exc:
        return CheckItem(name, False, f"{url}: {exc!r}", f"correct [{table}] or start the CSMS")
    seen = f"{url}: HTTP {response.status_code}"
    if response.status_code != 200:
        return CheckItem(name, False, seen, f"expected HTTP 200: correct the [{table}] template")
    if upi and not response.text.strip().startswith("upi://"):
        hint = "the page must return the sticker's upi://pay link as text"
        return CheckItem(name, False, f"{seen}, body {response.text[:60]!r}", hint)
    return CheckItem(name, True, seen)


async def _booted_charger(profile: Profile, identity: str, password: str | None) -> MockCharger:
    """A station the pages can be asked about: many CSMSs serve pages only for known ones."""
    version = profile.target.versions[0]
    tls = _probe_tls(profile)
    station = MockCharger(
        identity=identity,
        version=version,
        ocpp_url=profile.target.ocpp_url,
        trace=FrameTrace(label=f"check-profile {identity}", version=version),
        password=password,
        tls=tls,
        response_timeout=profile.timeouts.response,
    )
    try:
        await station.connect(profile.timeouts.connect)
        await station.boot()
    except (ConformanceFailure, HarnessError):
        pass  # the handshake items say why; the pages are still asked
    return station


def _probe_tls(profile: Profile) -> ssl.SSLContext | None:
    """The first charger's TLS context; None when its files cannot be read (the TLS items
    name the file, and the handshakes then fail on the CSMS's certificate)."""
    try:
        return profile.station_tls(profile.chargers[0])
    except (OSError, ValueError):  # ssl.SSLError is an OSError
        return None


def _tls_items(profile: Profile) -> list[CheckItem]:
    """Security profiles 2 and 3: the CA bundle and each station's certificate and key."""
    target = profile.target
    if target.security_profile < TLS_PROFILE or target.ca_bundle is None:
        return []
    findings = [ca_bundle_finding(target.ca_bundle)]
    if target.security_profile == 3:
        findings += [
            station_finding(c.id, c.certificate, c.private_key)
            for c in profile.chargers
            if c.certificate is not None and c.private_key is not None
        ]
        findings += [
            expired_station_finding(c.id, c.expired_certificate, c.expired_private_key)
            for c in profile.chargers
            if c.expired_certificate is not None and c.expired_private_key is not None
        ]
    return [
        CheckItem(f.what, f.problem is None, f.detail if f.problem is None else f.problem, f.hint)
        for f in findings
    ]


async def check_profile(profile: Profile) -> list[CheckItem]:
    """Every item the profile declares, probed once; never raises for what the CSMS answers."""
    identity, password = _probe_identity(profile)
    items = _tls_items(profile) + _manual_items(profile)
    items += await _handshake_items(profile, identity, password)
    station = await _booted_charger(profile, identity, password)
    try:
        items += await _endpoint_items(profile, identity)
    finally:
        await station.close()
    return items


async def _endpoint_items(profile: Profile, identity: str) -> list[CheckItem]:
    checks: list[Callable[[], Awaitable[CheckItem]]] = []
    if profile.bank is not None:
        bank = profile.bank
        checks.append(lambda: _bank_item(profile, bank))
    if profile.psp is not None:
        psp = profile.psp
        checks.append(lambda: _psp_item(profile, psp))
    timeout = profile.timeouts.response
    if profile.static_qr.link_url_template is not None:
        link = profile.static_qr.link_url(identity, 1)
        checks.append(
            lambda: _page_item("static-QR link of EVSE 1", link, "static_qr", timeout, upi=True)
        )
    if profile.pay_page is not None:
        page = profile.pay_page.url_template.format(charger_id=identity, evse=1)
        checks.append(
            lambda: _page_item("pay page of EVSE 1", page, "pay_page", timeout, upi=False)
        )
    for name, template in _hook_probes(profile, identity).items():
        checks.append(functools.partial(_hook_item, name, template, timeout))
    return list(await asyncio.gather(*(check() for check in checks)))


def _hook_probes(profile: Profile, identity: str) -> dict[str, HookTemplate]:
    """One probe per distinct hook request (the preset's 1.6 and 2.x templates differ)."""
    probes: dict[str, HookTemplate] = {}
    seen: set[tuple[str, str]] = set()
    for action, per_version in profile.hooks.templates.items():
        for version, template in per_version.items():
            url = template.render({"charger_id": identity, "evse": 1, "version": version}).url
            if (template.method, url) not in seen:
                seen.add((template.method, url))
                probes[f"{action} hook (OCPP {version}, dry run)"] = replace(template, url=url)
    return probes


async def _hook_item(name: str, template: HookTemplate, timeout: float) -> CheckItem:
    """Dry run: OPTIONS on the hook's URL with its headers. Nothing is asked of the CSMS; the
    route is there unless the answer is 404 (most frameworks answer an existing route 2xx or
    405 to OPTIONS)."""
    url = template.url
    try:
        async with httpx.AsyncClient(
            timeout=timeout, trust_env=False, verify=client_tls_context(False)
        ) as client:
            response = await client.options(url, headers=dict(template.headers))
    except httpx.HTTPError as exc:
        return CheckItem(name, False, f"{url}: {exc!r}", "start the CSMS, or correct [hooks]")
    seen = f"OPTIONS {url}: HTTP {response.status_code}"
    if response.status_code in (404, 501):
        hint = "no such route: correct [hooks] (trigger_url, or the action's url)"
        return CheckItem(name, False, seen, hint)
    return CheckItem(name, True, f"{seen} (route exists; {template.method} is sent in a run)")
