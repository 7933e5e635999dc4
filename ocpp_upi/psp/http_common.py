"""What every mock PSP HTTP route shares: body parsing, auth, error envelopes, call recording.

The middleware makes three promises the harness relies on. Every request to the PSP APIs is
recorded as an ApiCall before it is handled (so a test can see a call that is still in flight)
and completed with its status afterwards. No request ever gets a traceback: malformed input is a
400 envelope, an unknown route a 404 envelope, a bug a 500 envelope. And credentials never reach
the record.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import logging
import time
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from ocpp_upi.psp.errors import PspError, invalid, unauthorized
from ocpp_upi.psp.journal import Journal
from ocpp_upi.psp.records import ApiCall
from ocpp_upi.psp.settings import PspSettings

log = logging.getLogger(__name__)

RAZORPAY_PREFIX = "/v1/"
GENERIC_PREFIX = "/generic/"
CONTROL_PREFIX = "/_control/"
_REDACTED = "<redacted>"
_SENSITIVE = ("authorization", "proxy-authorization", "cookie")

# Generic profile error codes by HTTP status; Razorpay's envelope is used everywhere else.
_GENERIC_CODES = {400: "bad_request", 401: "unauthorized", 404: "not_found", 409: "conflict"}


async def read_body(request: web.Request) -> dict[str, Any]:
    """The request body as a dict: JSON, or form fields (``a[b]=c`` nests one level)."""
    raw = await request.read()
    if not raw.strip():
        return {}
    if request.content_type == "application/x-www-form-urlencoded":
        return _form(raw)
    try:
        document = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise invalid("The request body is not valid JSON", None) from None
    if not isinstance(document, dict):
        raise invalid("The request body must be a JSON object", None)
    return document


def _form(raw: bytes) -> dict[str, Any]:
    result: dict[str, Any] = {}
    try:
        pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=True)
    except (ValueError, UnicodeDecodeError):
        raise invalid("The request body is not valid form data", None) from None
    for key, value in pairs:
        if "[" in key and key.endswith("]"):
            outer, inner = key[:-1].split("[", 1)
            nested = result.setdefault(outer, {})
            if isinstance(nested, dict):
                nested[inner] = value
        else:
            result[key] = value
    return result


def json_response(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status)


def collection(items: list[dict[str, Any]]) -> dict[str, Any]:
    """Razorpay's list wrapper."""
    return {"entity": "collection", "count": len(items), "items": items}


def check_basic_auth(request: web.Request, settings: PspSettings) -> None:
    """HTTP Basic key_id:key_secret, compared in constant time."""
    header = request.headers.get("Authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        raise unauthorized("Please provide your api key for authentication purposes.")
    try:
        user, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise unauthorized("The api key provided is invalid") from None
    if not (_same(user, settings.key_id) and _same(password, settings.key_secret)):
        raise unauthorized("The api key provided is invalid")


def check_bearer(request: web.Request, settings: PspSettings) -> None:
    """The generic profile's ``Authorization: Bearer <key_secret>``."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not _same(token.strip(), settings.key_secret):
        raise unauthorized("A valid Authorization: Bearer <key_secret> header is required.")


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def basic_user(request: web.Request) -> str | None:
    """The Basic-auth user name (the key id, not secret), for the call record."""
    scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        return base64.b64decode(encoded, validate=True).decode().partition(":")[0]
    except (binascii.Error, UnicodeDecodeError):
        return None


def redacted_headers(request: web.Request) -> dict[str, str]:
    """Header names lowercased (so ``headers.get("x-refund-idempotency")`` works whatever
    casing the client used), credentials replaced by a marker."""
    return {
        name.lower(): (_REDACTED if name.lower() in _SENSITIVE else value)
        for name, value in request.headers.items()
    }


def generic_envelope(error: PspError) -> dict[str, Any]:
    code = _GENERIC_CODES.get(error.status, "server_error" if error.status >= 500 else "error")
    return {"error": {"code": code, "message": error.description}}


def error_response(error: PspError, path: str) -> web.Response:
    body = generic_envelope(error) if path.startswith(GENERIC_PREFIX) else error.envelope()
    return json_response(body, status=error.status)


def make_middleware(settings: PspSettings, api_calls: Journal[ApiCall]) -> Any:
    """The one middleware: record, authenticate, handle, and turn every failure into JSON."""

    @web.middleware
    async def middleware(request: web.Request, handler: Any) -> web.StreamResponse:
        path = request.path
        call: ApiCall | None = None
        started = time.perf_counter()
        try:
            if path.startswith((RAZORPAY_PREFIX, GENERIC_PREFIX)):
                call = _new_call(request)
                api_calls.append(call)  # logged on arrival, before auth and handling
                raw = await request.read()  # may raise 413; the call is logged either way
                call.body = _form_or_loggable(raw, request.content_type)
                api_calls.touch(call)
            if request.match_info.http_exception is None:
                if path.startswith(RAZORPAY_PREFIX):
                    check_basic_auth(request, settings)
                elif path.startswith(GENERIC_PREFIX):
                    check_bearer(request, settings)
            response = await handler(request)
        except PspError as error:
            response = error_response(error, path)
        except web.HTTPException as exc:  # no route, wrong method, body too large ...
            response = error_response(_http_error(exc), path)
        except Exception:
            log.exception("mock PSP bug while handling %s %s", request.method, path)
            response = error_response(
                PspError(500, "Internal error in the mock PSP", code="SERVER_ERROR"), path
            )
        if call is not None:
            call.status = response.status
            call.elapsed_s = time.perf_counter() - started
            if isinstance(response, web.Response) and response.text is not None:
                call.response = _loggable(response.text.encode())
            api_calls.touch(call)
        return response

    return middleware


def _new_call(request: web.Request) -> ApiCall:
    """The record of a call as it arrives: status None until it is answered."""
    return ApiCall(
        method=request.method,
        path=request.path,
        query=request.query_string,
        endpoint=request.match_info.route.name,
        headers=redacted_headers(request),
        body=None,
        key_id=basic_user(request),
        at=time.time(),
    )


def _http_error(exc: web.HTTPException) -> PspError:
    if exc.status == 404:
        return PspError(404, "The requested URL was not found on the server.", field=None)
    if exc.status == 405:
        return PspError(405, f"The method is not allowed for this URL: {exc.reason}")
    return PspError(exc.status, exc.reason or f"HTTP {exc.status}")


def _form_or_loggable(raw: bytes, content_type: str) -> Any:
    if content_type == "application/x-www-form-urlencoded":
        try:
            return _form(raw)
        except PspError:
            pass
    return _loggable(raw)


def _loggable(raw: bytes) -> Any:
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return raw.decode("utf-8", "replace")
