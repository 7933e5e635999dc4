"""Fault injection: named endpoints fail or stall on their next N calls, then recover."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx
import pytest

from ocpp_upi.psp import FAULT_ENDPOINTS, MockPsp
from ocpp_upi.psp.testing import running_psp

T = TypeVar("T")
ORDER = {"amount": 10000, "currency": "INR"}


def run(scenario: Callable[[MockPsp, httpx.AsyncClient], Awaitable[T]], **settings: Any) -> T:
    async def main() -> T:
        async with running_psp(**settings) as (psp, api):
            return await asyncio.wait_for(scenario(psp, api), 15)

    return asyncio.run(main())


def test_next_n_calls_fail_with_server_error_then_the_endpoint_recovers() -> None:
    async def scenario(psp: MockPsp, api: httpx.AsyncClient) -> None:
        psp.inject_fault("orders.create", status=500, count=2)
        statuses = [(await api.post("/orders", json=ORDER)).status_code for _ in range(3)]
        assert statuses == [500, 500, 200]
        assert [c.status for c in psp.api_calls] == [500, 500, 200]
        assert len(psp.ledger.orders) == 1  # a faulted call has no side effect
        other = await api.get("/orders/order_x")
        assert other.status_code == 404  # faults are per endpoint

    run(scenario)


def test_fault_bodies_carry_razorpay_error_codes() -> None:
    async def scenario(psp: MockPsp, api: httpx.AsyncClient) -> None:
        psp.inject_fault("orders.create", status=500)
        psp.inject_fault("orders.create", status=504)
        psp.inject_fault("orders.create", status=429)
        codes = [(await api.post("/orders", json=ORDER)).json()["error"]["code"] for _ in range(3)]
        assert codes == ["SERVER_ERROR", "GATEWAY_ERROR", "BAD_REQUEST_ERROR"]

    run(scenario)


def test_delay_outlasts_a_short_client_timeout_but_the_work_is_still_done() -> None:
    async def scenario(psp: MockPsp, api: httpx.AsyncClient) -> None:
        psp.inject_fault("orders.create", status=200, delay_s=0.4)
        with pytest.raises(httpx.ReadTimeout):
            await api.post("/orders", json=ORDER, timeout=0.1)
        done = await psp.wait_for_api_call(lambda c: c.status == 200, timeout=5)
        assert done is not None and done.elapsed_s >= 0.35
        assert len(psp.ledger.orders) == 1  # the ambiguous outcome a CSMS must reconcile

    run(scenario)


def test_stop_ends_a_fault_delay_at_once() -> None:
    async def scenario() -> float:
        async with running_psp() as (psp, api):
            psp.inject_fault("payments.fetch", status=200, delay_s=60)
            call = asyncio.create_task(api.get("/payments/pay_x"))
            await psp.wait_for_api_call(lambda c: c.endpoint == "payments.fetch", timeout=5)
            started = time.perf_counter()
            await psp.stop()
            elapsed = time.perf_counter() - started
            call.cancel()
            await asyncio.gather(call, return_exceptions=True)
            return elapsed

    assert asyncio.run(scenario()) < 2


def test_unknown_endpoint_names_and_bad_arguments_are_refused() -> None:
    psp = MockPsp()
    with pytest.raises(ValueError, match=r"orders\.create"):
        psp.inject_fault("orders.creat")
    with pytest.raises(ValueError):
        psp.inject_fault("orders.create", count=0)
    with pytest.raises(ValueError):
        psp.inject_fault("orders.create", status=42)
    assert "refunds.create" in FAULT_ENDPOINTS and "payments.create_upi" in FAULT_ENDPOINTS


def test_reset_scenario_disarms_faults_and_webhook_modes() -> None:
    psp = MockPsp()
    psp.inject_fault("refunds.create", count=3)
    psp.set_webhook_mode(duplicate=True, out_of_order=True)
    psp.reset_scenario()
    assert psp.faults.armed("refunds.create") == 0
    assert not psp.dispatcher.duplicate and not psp.dispatcher.out_of_order
