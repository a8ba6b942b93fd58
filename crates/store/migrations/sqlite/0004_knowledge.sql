-- Knowledge bank: every version of every entry is kept (the editor's history); the current entry is the newest
-- version. The body is the entry in the exchange format (docs/knowledge.md). Append-only.
CREATE TABLE method_version (
    method_id  TEXT NOT NULL,
    version    BIGINT NOT NULL,
    body       TEXT NOT NULL,
    retired    BIGINT NOT NULL DEFAULT 0,
    edited_by  TEXT NOT NULL,
    edited_at  TEXT NOT NULL,
    comment    TEXT NOT NULL,
    PRIMARY KEY (method_id, version)
);
CREATE TRIGGER method_version_no_update BEFORE UPDATE ON method_version
BEGIN SELECT RAISE(ABORT, 'method versions are append-only: an edit is a new version'); END;
CREATE TRIGGER method_version_no_delete BEFORE DELETE ON method_version
BEGIN SELECT RAISE(ABORT, 'method versions are append-only: an edit is a new version'); END;

-- VISO referrals (the national specialist counselling organisation): the request, then every change of status
-- as a new row. Personal data (question, advice) is erased with the child's case (retention).
CREATE TABLE viso_referral (
    id            TEXT PRIMARY KEY,
    municipality  TEXT NOT NULL,
    child         TEXT,
    site          TEXT,
    topic         TEXT NOT NULL,
    question      TEXT NOT NULL,
    requested_on  TEXT NOT NULL,
    requested_by  TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE INDEX viso_referral_child ON viso_referral (child);
CREATE INDEX viso_referral_site ON viso_referral (site);
CREATE INDEX viso_referral_municipality ON viso_referral (municipality);

CREATE TABLE viso_update (
    id          TEXT PRIMARY KEY,
    referral    TEXT NOT NULL REFERENCES viso_referral (id),
    status      TEXT NOT NULL,
    answer_due  TEXT,
    answered_on TEXT,
    advice      TEXT,
    by_user     TEXT NOT NULL,
    at          TEXT NOT NULL
);
CREATE INDEX viso_update_referral ON viso_update (referral, at);
