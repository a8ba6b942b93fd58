-- Practice-survey audits (issue 8, Ankestyrelsen's praksisundersøgelse as the municipality's own audit): the drawn
-- sample with its design, the strata, the sampled cases with the checklist as the journal answered it, and the
-- reviewers' findings. A review is saved as a new version of the case's checklist; the newest counts. Append-only.
CREATE TABLE practice_audit (
    id              BIGINT NOT NULL PRIMARY KEY,
    municipality    TEXT NOT NULL,
    title           TEXT NOT NULL,
    period_from     TEXT NOT NULL,
    period_to       TEXT NOT NULL,
    as_of           TEXT NOT NULL,
    seed            TEXT NOT NULL,
    size            BIGINT NOT NULL,
    min_per_stratum BIGINT NOT NULL,
    created_by      TEXT NOT NULL,
    created_at      TEXT NOT NULL
);
CREATE TABLE practice_audit_stratum (
    audit_id   BIGINT NOT NULL REFERENCES practice_audit (id),
    stratum    TEXT NOT NULL,
    population BIGINT NOT NULL,
    sample     BIGINT NOT NULL,
    PRIMARY KEY (audit_id, stratum)
);
CREATE TABLE practice_audit_case (
    audit_id BIGINT NOT NULL REFERENCES practice_audit (id),
    child    TEXT NOT NULL,
    position BIGINT NOT NULL,
    stratum  TEXT NOT NULL,
    prefill  TEXT NOT NULL,
    PRIMARY KEY (audit_id, child)
);
CREATE TABLE practice_audit_review (
    audit_id    BIGINT NOT NULL,
    child       TEXT NOT NULL,
    version     BIGINT NOT NULL,
    findings    TEXT NOT NULL,
    comments    TEXT NOT NULL,
    reviewer    TEXT NOT NULL,
    reviewed_at TEXT NOT NULL,
    PRIMARY KEY (audit_id, child, version),
    FOREIGN KEY (audit_id, child) REFERENCES practice_audit_case (audit_id, child)
);
CREATE FUNCTION vaern_practice_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'practice audits are append-only: a review is a new version';
END;
$$;
CREATE TRIGGER practice_audit_no_update BEFORE UPDATE OR DELETE ON practice_audit
    FOR EACH ROW EXECUTE FUNCTION vaern_practice_append_only();
CREATE TRIGGER practice_audit_stratum_no_update BEFORE UPDATE OR DELETE ON practice_audit_stratum
    FOR EACH ROW EXECUTE FUNCTION vaern_practice_append_only();
CREATE TRIGGER practice_audit_case_no_update BEFORE UPDATE OR DELETE ON practice_audit_case
    FOR EACH ROW EXECUTE FUNCTION vaern_practice_append_only();
CREATE TRIGGER practice_audit_review_no_update BEFORE UPDATE OR DELETE ON practice_audit_review
    FOR EACH ROW EXECUTE FUNCTION vaern_practice_append_only();
