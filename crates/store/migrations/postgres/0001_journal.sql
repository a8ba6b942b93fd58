-- The append-only, hash-chained journal, its personal part, and the chain head (PostgreSQL).
CREATE TABLE journal (
    seq             BIGINT PRIMARY KEY,
    event_id        TEXT NOT NULL UNIQUE,
    event_type      TEXT NOT NULL,
    child           TEXT,
    site            TEXT,
    object          TEXT,
    municipality    TEXT NOT NULL,
    at              TEXT NOT NULL,
    core            TEXT NOT NULL,
    personal_digest TEXT,
    recorded_by     TEXT NOT NULL,
    recorded_at     TEXT NOT NULL,
    prev_hash       TEXT NOT NULL,
    hash            TEXT NOT NULL
);
CREATE INDEX journal_child ON journal (child, seq);
CREATE INDEX journal_site ON journal (site, seq);
CREATE INDEX journal_object ON journal (object);


CREATE FUNCTION vaern_journal_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'journal is append-only: corrections are new events';
END;
$$;
CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
    FOR EACH ROW EXECUTE FUNCTION vaern_journal_append_only();
CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
    FOR EACH ROW EXECUTE FUNCTION vaern_journal_append_only();
CREATE TRIGGER journal_no_truncate BEFORE TRUNCATE ON journal
    FOR EACH STATEMENT EXECUTE FUNCTION vaern_journal_append_only();

CREATE TABLE journal_personal (
    event_id       TEXT PRIMARY KEY REFERENCES journal (event_id),
    data           TEXT,
    salt           TEXT,
    erased_at      TEXT,
    erased_by      TEXT,
    erasure_reason TEXT
);

CREATE TABLE chain_head (
    id   BIGINT PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO chain_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Read models: derived, rebuildable (vaern rebuild), updated in the append transaction.
CREATE TABLE rm_unit (
    unit         TEXT PRIMARY KEY,
    computed_for TEXT NOT NULL
);
CREATE TABLE rm_obligation (
    unit         TEXT NOT NULL,
    child        TEXT,
    municipality TEXT NOT NULL,
    rule         TEXT NOT NULL,
    law          TEXT NOT NULL,
    subject      TEXT NOT NULL,
    due          TEXT NOT NULL,
    due_ts       BIGINT NOT NULL,
    fulfilled    TEXT NOT NULL,
    met_at       TEXT
);
CREATE INDEX rm_obligation_unit ON rm_obligation (unit);
CREATE INDEX rm_obligation_child ON rm_obligation (child, due_ts);
CREATE INDEX rm_obligation_due ON rm_obligation (fulfilled, due_ts);

CREATE TABLE rm_child (
    child              TEXT PRIMARY KEY,
    municipality       TEXT NOT NULL,
    birth_date         TEXT,
    gender             TEXT,
    placement          TEXT,
    site               TEXT,
    placement_type     TEXT,
    placed_since       TEXT,
    open_interventions BIGINT NOT NULL,
    last_event_at      TEXT,
    events             BIGINT NOT NULL
);

CREATE TABLE case_assignment (
    child       TEXT PRIMARY KEY,
    caseworker  TEXT,
    team        TEXT,
    assigned_at TEXT NOT NULL,
    assigned_by TEXT NOT NULL
);

CREATE TABLE case_closure (
    child       TEXT PRIMARY KEY,
    closed_on   TEXT NOT NULL,
    closed_by   TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);

