-- The budget ledger on PostgreSQL, version 1: the tables of the SQLite ledger, with the same CHECKs (I1), plus the
-- indexes a shared server wants (per-key lookups, the sweeper's due holds). Integers in USDC atomic units, times in
-- Unix ms. Applied by ledger/migrations.py under a transaction-scoped advisory lock.
CREATE TABLE compose_keys (
    id           TEXT PRIMARY KEY,
    key_hash     TEXT NOT NULL UNIQUE,
    prefix       TEXT NOT NULL,
    owner        TEXT NOT NULL,
    chain_id     BIGINT NOT NULL,
    purpose      TEXT NOT NULL CHECK (purpose IN ('api', 'session')),
    name         TEXT,
    budget       BIGINT NOT NULL CHECK (budget >= 0),
    spent        BIGINT NOT NULL DEFAULT 0 CHECK (spent >= 0),
    reserved     BIGINT NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    revoked_at   BIGINT,
    last_used_at BIGINT,
    CHECK (spent + reserved <= budget)
);
CREATE INDEX compose_keys_owner ON compose_keys (owner);

-- A payment intent is a hold on a key: authorized -> settled | aborted | expired (terminal states absorb).
CREATE TABLE intents (
    id              TEXT PRIMARY KEY,
    key_id          TEXT NOT NULL REFERENCES compose_keys (id),
    idem_key        TEXT,
    request_hash    TEXT,
    amount          BIGINT NOT NULL CHECK (amount >= 0),
    settled         BIGINT CHECK (settled >= 0 AND settled <= amount),
    uncollected     BIGINT NOT NULL DEFAULT 0 CHECK (uncollected >= 0),
    state           TEXT NOT NULL CHECK (state IN ('authorized', 'settled', 'aborted', 'expired')),
    estimated       INTEGER NOT NULL DEFAULT 0,
    service         TEXT,
    action          TEXT,
    resource        TEXT,
    model           TEXT,
    run_id          TEXT,
    reason          TEXT,
    receipt         TEXT,
    created_at      BIGINT NOT NULL,
    dispatched_at   BIGINT,
    expires_at      BIGINT NOT NULL,
    resolved_at     BIGINT,
    late_settled_at BIGINT
);
-- the idempotency slot (I5): single use is this unique constraint, across every replica
CREATE UNIQUE INDEX intents_idem ON intents (key_id, idem_key) WHERE idem_key IS NOT NULL;
-- what the sweeper looks for, overall and per key (reclaim on reserve): only live holds are indexed
CREATE INDEX intents_due ON intents (expires_at) WHERE state = 'authorized';
CREATE INDEX intents_key_live ON intents (key_id, expires_at) WHERE state = 'authorized';
CREATE INDEX intents_key ON intents (key_id);

-- Append-only journal: every change of a key's counters, in the transaction that makes it.
CREATE TABLE journal (
    seq       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key_id    TEXT NOT NULL,
    intent_id TEXT,
    kind      TEXT NOT NULL CHECK (kind IN ('fund', 'reserve', 'settle', 'release', 'expire', 'adjust', 'revoke')),
    reserved  BIGINT NOT NULL,
    spent     BIGINT NOT NULL,
    at        BIGINT NOT NULL
);
CREATE INDEX journal_key ON journal (key_id, seq);

-- x402: a (network, payer, nonce) authorization serves one request (I12): single use is the primary key.
CREATE TABLE x402_claims (
    network     TEXT NOT NULL,
    payer       TEXT NOT NULL,
    nonce       TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('claimed', 'settled', 'released', 'failed')),
    scheme      TEXT NOT NULL,
    amount      BIGINT NOT NULL CHECK (amount >= 0),
    settled     BIGINT,
    tx_hash     TEXT,
    receipt     TEXT,
    claimed_at  BIGINT NOT NULL,
    resolved_at BIGINT,
    stream      INTEGER NOT NULL DEFAULT 0,
    owner       TEXT,
    token       TEXT,
    PRIMARY KEY (network, payer, nonce)
);
CREATE INDEX x402_claims_open ON x402_claims (network, payer) WHERE state = 'claimed'
