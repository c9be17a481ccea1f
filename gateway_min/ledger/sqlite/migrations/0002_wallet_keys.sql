-- Version 2: keys backed by the wallet that spends them (issue "Compose Keys backed by the wallet").
-- A key says which kind it is: 'credit' (the operator funds it: the admin mints it) or 'wallet' (an x402 `upto`
-- authorization of its owner funds it, collected once when the key ends).
ALTER TABLE compose_keys ADD COLUMN kind TEXT NOT NULL DEFAULT 'credit' CHECK (kind IN ('credit', 'wallet'));

-- x402_claims gains the state 'funding': an authorization that funds a key is single use like any other, and does
-- not count as an open payment of its payer (the upto-stream exclusivity looks at 'claimed' only). SQLite cannot
-- change a CHECK in place: the table is rebuilt.
CREATE TABLE x402_claims_v2 (
    network    TEXT NOT NULL,
    payer      TEXT NOT NULL,
    nonce      TEXT NOT NULL,
    state      TEXT NOT NULL CHECK (state IN ('claimed', 'settled', 'released', 'failed', 'funding')),
    scheme     TEXT NOT NULL,
    amount     BIGINT NOT NULL CHECK (amount >= 0),
    settled    BIGINT,
    tx_hash    TEXT,
    receipt    TEXT,
    claimed_at BIGINT NOT NULL,
    resolved_at BIGINT,
    stream     INTEGER NOT NULL DEFAULT 0,
    owner      TEXT,
    token      TEXT,
    PRIMARY KEY (network, payer, nonce)
);
INSERT INTO x402_claims_v2 (network, payer, nonce, state, scheme, amount, settled, tx_hash, receipt, claimed_at,
                            resolved_at, stream, owner, token)
    SELECT network, payer, nonce, state, scheme, amount, settled, tx_hash, receipt, claimed_at, resolved_at, stream,
           owner, token FROM x402_claims;
DROP TABLE x402_claims;
ALTER TABLE x402_claims_v2 RENAME TO x402_claims;
CREATE INDEX x402_claims_open ON x402_claims (network, payer) WHERE state = 'claimed';

-- A wallet key's funding: the authorization as signed, and its collection, a state machine of its own:
-- open (the key spends) -> pending (the key ended: revoked, expired, exhausted, superseded, the wallet drained)
-- -> collecting (leased by one process, the amount fixed) -> collected | failed (-> forgiven, by the operator).
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
