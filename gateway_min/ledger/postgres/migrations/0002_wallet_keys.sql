-- Version 2: keys backed by the wallet that spends them (see the SQLite migration of the same number).
ALTER TABLE compose_keys ADD COLUMN kind TEXT NOT NULL DEFAULT 'credit' CHECK (kind IN ('credit', 'wallet'));
ALTER TABLE x402_claims DROP CONSTRAINT x402_claims_state_check,
    ADD CONSTRAINT x402_claims_state_check
        CHECK (state IN ('claimed', 'settled', 'released', 'failed', 'funding'));
CREATE TABLE key_funding (
    key_id       TEXT PRIMARY KEY REFERENCES compose_keys (id),
    network      TEXT NOT NULL,
    payer        TEXT NOT NULL,
    nonce        TEXT NOT NULL,
    payload      TEXT NOT NULL,
    requirements TEXT NOT NULL,
    deadline     BIGINT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('open', 'pending', 'collecting', 'collected', 'failed', 'forgiven')),
    reason       TEXT,
    amount       BIGINT CHECK (amount >= 0),
    tx_hash      TEXT,
    error        TEXT,
    uncollected  BIGINT NOT NULL DEFAULT 0 CHECK (uncollected >= 0),
    verified_at  BIGINT NOT NULL,
    lease_owner  TEXT,
    lease_until  BIGINT,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    UNIQUE (network, payer, nonce)
);
CREATE INDEX key_funding_live ON key_funding (state) WHERE state IN ('open', 'pending', 'collecting');
CREATE INDEX key_funding_unpaid ON key_funding (payer) WHERE state = 'failed'
