-- Version 3: what the gateway served that its payer may read back or be refunded (issue "the rest of the paid API").
-- A Responses API response or a video job, by the provider's id: the wallet that paid for it (only a key of that
-- wallet reads it back), the provider that holds it, what it was charged and, for a Compose Key, the intent that
-- paid (a failed video job's refund goes back to its key).
CREATE TABLE served (
    kind       TEXT NOT NULL CHECK (kind IN ('response', 'video')),
    id         TEXT NOT NULL,
    owner      TEXT NOT NULL,
    provider   TEXT NOT NULL,
    model      TEXT NOT NULL,
    intent_id  TEXT,
    amount     BIGINT NOT NULL DEFAULT 0 CHECK (amount >= 0),
    state      TEXT NOT NULL,
    refund     TEXT CHECK (refund IN ('refunded', 'owed')),
    receipt    TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (kind, id)
);
-- what a settled intent gave back (a refunded video job): the key's spent fell by it, in the same transaction
ALTER TABLE intents ADD COLUMN refunded BIGINT NOT NULL DEFAULT 0 CHECK (refunded >= 0);
