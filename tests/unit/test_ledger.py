"""Ledger: the UTR's UNIQUE constraint prevents double starts; money stays integer paise."""

from decimal import Decimal

import pytest

from ocpp_upi.csms.ledger import Ledger
from ocpp_upi.csms.money import paise_to_rupees, prepaid_energy_wh, rupees_to_paise


def _pay(ledger: Ledger, utr: str = "123456789012", paise: int = 20000) -> int | None:
    return ledger.record_payment(
        utr=utr, reference="CP1-1", charger_id="CP1", evse_id=1, amount_paise=paise
    )


def test_duplicate_utr_returns_none_and_keeps_one_row() -> None:
    ledger = Ledger()
    first = _pay(ledger)
    assert isinstance(first, int)
    assert _pay(ledger) is None
    assert _pay(ledger, paise=100) is None
    assert [p.utr for p in ledger.payments()] == ["123456789012"]
    assert ledger.payment_by_utr("123456789012") == ledger.payment(first)


def test_amount_must_be_positive_paise() -> None:
    ledger = Ledger()
    with pytest.raises(Exception, match="CHECK"):
        _pay(ledger, paise=0)


def test_totals_are_integer_paise() -> None:
    ledger = Ledger()
    for index, amount in enumerate(["0.10", "0.20", "199.70"]):
        _pay(ledger, utr=f"{index:012d}", paise=rupees_to_paise(amount))
    total = ledger.total_paise()
    assert total == 20000 and isinstance(total, int)
    assert paise_to_rupees(total) == "200.00"


def test_paise_conversions() -> None:
    assert rupees_to_paise("200.00") == 20000
    assert rupees_to_paise(Decimal("0.01")) == 1
    assert paise_to_rupees(5) == "0.05"
    assert paise_to_rupees(-150) == "-1.50"
    with pytest.raises(ValueError):
        rupees_to_paise("1.005")
    with pytest.raises(ValueError):
        rupees_to_paise("NaN")


def test_prepaid_energy_follows_seed_example_and_rounds_down() -> None:
    assert prepaid_energy_wh(20000, Decimal("10"), Decimal("0")) == 20000
    assert prepaid_energy_wh(20000, Decimal("10"), Decimal("0.18")) == 16949
    assert prepaid_energy_wh(1, Decimal("3"), Decimal("0")) == 3
    with pytest.raises(ValueError):
        prepaid_energy_wh(100, Decimal("0"), Decimal("0"))


def test_remote_start_links_transactions_to_payments() -> None:
    ledger = Ledger()
    payment_id = _pay(ledger)
    remote_start_id = ledger.begin_remote_start(payment_id, "CP1", 1, "123456789012")
    assert ledger.remote_starts()[0].status == "pending"
    ledger.finish_remote_start(remote_start_id, "started")
    assert ledger.remote_starts()[0].status == "started"
    assert ledger.payment_for_token("CP1", "123456789012") == payment_id
    assert ledger.payment_for_token("CP2", "123456789012") is None
    assert ledger.payment_for_remote_start(remote_start_id, "CP1") == payment_id
    assert ledger.payment_for_remote_start(remote_start_id, "CP2") is None


def test_ocpp16_transaction_ids_are_new_integers() -> None:
    ledger = Ledger()
    ids = [
        ledger.open_ocpp16_transaction(
            charger_id="CP1",
            evse_id=1,
            id_token="tag",
            payment_id=None,
            meter_start_wh=1000,
            started_at="2025-10-01T10:00:00Z",
        )
        for _ in range(2)
    ]
    assert ids[0] != ids[1]
    ledger.update_transaction("CP1", str(ids[0]), meter_stop_wh=21000, ended_at="later")
    record = ledger.transaction("CP1", str(ids[0]))
    assert record is not None and record.energy_wh == 20000


def test_ensure_transaction_is_idempotent_and_update_rejects_unknown_columns() -> None:
    ledger = Ledger()
    first = ledger.ensure_transaction("CP1", "tx-1")
    assert ledger.ensure_transaction("CP1", "tx-1").id == first.id
    assert len(ledger.transactions()) == 1
    with pytest.raises(ValueError):
        ledger.update_transaction("CP1", "tx-1", id=99)


def test_file_backed_ledger_persists(tmp_path) -> None:
    path = str(tmp_path / "ledger.sqlite")
    ledger = Ledger(path)
    _pay(ledger)
    ledger.close()
    reopened = Ledger(path)
    assert _pay(reopened) is None
    reopened.close()
