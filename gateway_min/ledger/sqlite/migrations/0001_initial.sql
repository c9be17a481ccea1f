-- The budget ledger on SQLite, version 1. Integers in USDC atomic units, times in Unix ms.
-- Invariant I1 is also a CHECK: spent + reserved never exceeds the budget, neither ever goes negative.
CREATE TABLE IF NOT EXISTS compose_keys (
    id           TEXT PRIMARY KEY,
    key_hash     TEXT NOT NULL UNIQUE,
    prefix       TEXT NOT NULL,
    owner        TEXT NOT NULL,
    chain_id     INTEGER NOT NULL,
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
CREATE INDEX IF NOT EXISTS compose_keys_owner ON compose_keys (owner);

-- A payment intent is a hold on a key: authorized -> settled | aborted | expired (terminal states absorb).
CREATE TABLE IF NOT EXISTS intents (
    id             TEXT PRIMARY KEY,
    key_id         TEXT NOT NULL REFERENCES compose_keys (id),
    idem_key       TEXT,
    request_hash   TEXT,
    amount         BIGINT NOT NULL CHECK (amount >= 0),
    settled        BIGINT CHECK (settled >= 0 AND settled <= amount),
    uncollected    BIGINT NOT NULL DEFAULT 0 CHECK (uncollected >= 0),
    state          TEXT NOT NULL CHECK (state IN ('authorized', 'settled', 'aborted', 'expired')),
    estimated      INTEGER NOT NULL DEFAULT 0,
    service        TEXT,
    action         TEXT,
    resource       TEXT,
    model          TEXT,
    run_id         TEXT,
    reason         TEXT,
    receipt        TEXT,
    created_at     BIGINT NOT NULL,
    dispatched_at  BIGINT,
    expires_at     BIGINT NOT NULL,
    resolved_at    BIGINT,
    late_settled_at BIGINT
);
-- the idempotency slot: most requests carry no key, so they do not pay for this index
CREATE UNIQUE INDEX IF NOT EXISTS intents_idem ON intents (key_id, idem_key) WHERE idem_key IS NOT NULL;
-- what the sweeper looks for: only live holds are indexed
CREATE INDEX IF NOT EXISTS intents_due ON intents (expires_at) WHERE state = 'authorized';

-- Append-only journal: every change of a key's counters, in the transaction that makes it.
CREATE TABLE IF NOT EXISTS journal (
    seq        INTEGER PRIMARY KEY,
    key_id     TEXT NOT NULL,
    intent_id  TEXT,
    kind       TEXT NOT NULL CHECK (kind IN ('fund', 'reserve', 'settle', 'release', 'expire', 'adjust', 'revoke')),
    reserved   BIGINT NOT NULL,
    spent      BIGINT NOT NULL,
    at         BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS journal_key ON journal (key_id, seq);

-- x402: a (payer, nonce) pair serves one request (I12), claimed before the work starts.
CREATE TABLE IF NOT EXISTS x402_claims (
    network    TEXT NOT NULL,
    payer      TEXT NOT NULL,
    nonce      TEXT NOT NULL,
    state      TEXT NOT NULL CHECK (state IN ('claimed', 'settled', 'released', 'failed')),
    scheme     TEXT NOT NULL,
    amount     BIGINT NOT NULL CHECK (amount >= 0),
    settled    BIGINT,
    tx_hash    TEXT,
    receipt    TEXT,
    claimed_at BIGINT NOT NULL,
    resolved_at BIGINT,
    stream     INTEGER NOT NULL DEFAULT 0,  -- 1: an upto stream, exclusive per payer while claimed
    owner      TEXT,  -- the process that took it (ledger/owner.py): a crash's claims are failed once it is gone
    token      TEXT,  -- the call that took it: a cancelled caller releases its own claim, never another's
    PRIMARY KEY (network, payer, nonce)
);
-- a payer's open claims (the upto-stream exclusivity check), without scanning their settled history
CREATE INDEX IF NOT EXISTS x402_claims_open ON x402_claims (network, payer) WHERE state = 'claimed';

