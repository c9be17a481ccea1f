"""The SQLite ledger on its own: the UNIQUE nonce row is the last word, whatever the facilitator checked before."""

from __future__ import annotations

import threading

from gateway_min.payment.x402.facilitator.chain import Ledger, Refusal, Transfer

NET = "eip155:43113"
TOKEN = "0x5425890298aed601595a70AB815c96711a31Bc65"
PAYER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
PAY_TO = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


def transfer(nonce: int = 1, amount: int = 100) -> Transfer:
    return Transfer(NET, TOKEN, PAYER, PAY_TO, f"0x{nonce:064x}", amount, "exact", f"0x{nonce:064x}{amount}", 0)


def test_a_nonce_settles_once():
    ledger = Ledger(":memory:")
    ledger.credit(NET, PAYER, 1_000)
    assert ledger.settle(transfer()) is None
    assert ledger.settle(transfer(amount=1)) is Refusal.NONCE_USED
    assert (ledger.balance(NET, PAYER), ledger.balance(NET, PAY_TO)) == (900, 100)
    assert ledger.nonce_used(NET, TOKEN, PAYER, transfer().nonce)
    assert not ledger.nonce_used(NET, TOKEN, PAYER, transfer(2).nonce)
    ledger.close()


def test_an_insufficient_balance_leaves_no_trace():
    ledger = Ledger(":memory:")
    ledger.credit(NET, PAYER, 99)
    assert ledger.settle(transfer()) is Refusal.INSUFFICIENT
    assert not ledger.nonce_used(NET, TOKEN, PAYER, transfer().nonce)
    assert ledger.settle(transfer(amount=2**63)) is Refusal.INSUFFICIENT
    assert (ledger.balance(NET, PAYER), ledger.balance(NET, PAY_TO)) == (99, 0)
    ledger.credit(NET, PAYER, 1)
    assert ledger.settle(transfer()) is None
    ledger.close()


def test_zero_spends_the_nonce_and_moves_nothing():
    ledger = Ledger(":memory:")
    assert ledger.settle(transfer(amount=0)) is None
    assert ledger.nonce_used(NET, TOKEN, PAYER, transfer().nonce)
    assert ledger.settle(transfer(amount=0)) is Refusal.NONCE_USED
    ledger.close()


def test_racing_connections_settle_a_nonce_exactly_once(tmp_path):
    path = str(tmp_path / "ledger.sqlite")
    ledgers = [Ledger(path) for _ in range(6)]
    ledgers[0].credit(NET, PAYER, 1_000)
    barrier = threading.Barrier(len(ledgers))
    results: list[Refusal | None] = []

    def run(ledger: Ledger) -> None:
        barrier.wait()
        results.append(ledger.settle(transfer()))

    threads = [threading.Thread(target=run, args=(ledger,)) for ledger in ledgers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results, key=str) == [None] + [Refusal.NONCE_USED] * 5
    assert (ledgers[1].balance(NET, PAYER), ledgers[2].balance(NET, PAY_TO)) == (900, 100)
    for ledger in ledgers:
        ledger.close()
