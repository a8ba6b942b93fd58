-- The journal's sequence number becomes the table's rowid (INTEGER PRIMARY KEY; it was a BIGINT key with an index
-- of its own), and the uniqueness of event ids a named index instead of a column constraint. One index fewer per
-- event, and the bulk loader can build the indexes after the rows of a first load (docs/journal-store.md). Rows,
-- values and the hash chain are copied unchanged. This migration runs with foreign keys off (the personal part
-- refers to the journal by event id; the migrator checks every reference before it commits).
CREATE TABLE journal_next (
    seq             INTEGER PRIMARY KEY,
    event_id        TEXT NOT NULL,
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
INSERT INTO journal_next (seq, event_id, event_type, child, site, object, municipality, at, core, personal_digest,
                          recorded_by, recorded_at, prev_hash, hash)
SELECT seq, event_id, event_type, child, site, object, municipality, at, core, personal_digest,
       recorded_by, recorded_at, prev_hash, hash
FROM journal ORDER BY seq;
DROP TABLE journal;
ALTER TABLE journal_next RENAME TO journal;

CREATE UNIQUE INDEX journal_event_id ON journal (event_id);
CREATE INDEX journal_child ON journal (child, seq);
CREATE INDEX journal_site ON journal (site, seq);
CREATE INDEX journal_object ON journal (object);
CREATE INDEX journal_registered ON journal (child) WHERE event_type = 'child_registered';
CREATE INDEX journal_sites ON journal (site) WHERE event_type = 'site_registered';
CREATE INDEX journal_signals ON journal (object) WHERE event_type = 'danger_signal';

CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
BEGIN SELECT RAISE(ABORT, 'journal is append-only: corrections are new events'); END;
CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
BEGIN SELECT RAISE(ABORT, 'journal is append-only: corrections are new events'); END;
