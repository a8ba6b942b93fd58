-- Users, teams, sessions, API tokens, break-the-glass grants and the audit log (PostgreSQL).
CREATE TABLE team (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE app_user (
    username        TEXT PRIMARY KEY,
    full_name       TEXT NOT NULL,
    role            TEXT NOT NULL,
    team            TEXT REFERENCES team (id),
    password_hash   TEXT,
    active          BIGINT NOT NULL DEFAULT 1,
    failed_logins   BIGINT NOT NULL DEFAULT 0,
    locked_until    TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX app_user_team ON app_user (team);

-- A session is known by the SHA-256 of its random token; the token itself is only in the user's cookie.
CREATE TABLE app_session (
    token_hash  TEXT PRIMARY KEY,
    username    TEXT NOT NULL REFERENCES app_user (username),
    csrf        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    last_seen   BIGINT NOT NULL
);
CREATE INDEX app_session_user ON app_session (username);

CREATE TABLE api_token (
    id          TEXT PRIMARY KEY,
    token_hash  TEXT NOT NULL UNIQUE,
    username    TEXT NOT NULL REFERENCES app_user (username),
    name        TEXT NOT NULL,
    scopes      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT,
    revoked_at  TEXT,
    last_used   TEXT
);
CREATE INDEX api_token_user ON api_token (username);

-- "Break the glass": access to a child outside one's need-to-know, with the stated reason, for a limited time.
CREATE TABLE access_grant (
    id          TEXT PRIMARY KEY,
    username    TEXT NOT NULL,
    child       TEXT NOT NULL,
    reason      TEXT NOT NULL,
    granted_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX access_grant_user_child ON access_grant (username, child);

-- Who read or changed what about which child, when and why. Append-only.
CREATE TABLE audit_log (
    id        BIGSERIAL PRIMARY KEY,
    at        TEXT NOT NULL,
    username  TEXT NOT NULL,
    role      TEXT NOT NULL,
    team      TEXT,
    action    TEXT NOT NULL,
    child     TEXT,
    detail    TEXT,
    reason    TEXT
);
CREATE INDEX audit_log_child ON audit_log (child, id);
CREATE INDEX audit_log_user ON audit_log (username, id);
CREATE INDEX audit_log_team ON audit_log (team, id);

CREATE FUNCTION vaern_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit log is append-only';
END;
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION vaern_audit_append_only();
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION vaern_audit_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION vaern_audit_append_only();

CREATE INDEX rm_obligation_open ON rm_obligation (fulfilled, child, due_ts);
CREATE INDEX case_assignment_caseworker ON case_assignment (caseworker);
CREATE INDEX case_assignment_team ON case_assignment (team);

-- The children's registrations (names and CPR numbers for lists and search).
CREATE INDEX journal_registered ON journal (child) WHERE event_type = 'child_registered';
CREATE INDEX journal_sites ON journal (site) WHERE event_type = 'site_registered';
