-- Placement sites and supervision (issue 6).

-- Read model: one row per registered site, derived from its events (rebuildable, updated with the append).
CREATE TABLE rm_site (
    site             TEXT PRIMARY KEY,
    municipality     TEXT NOT NULL,
    name             TEXT NOT NULL,
    site_type        TEXT NOT NULL,
    approval         TEXT NOT NULL,
    approved_from    TEXT,
    approved_until   TEXT,
    revoked_on       TEXT,
    places           BIGINT,
    target_group     TEXT,
    approved_by      TEXT,
    basic_course_on  TEXT,
    last_training    TEXT,
    training_hours   TEXT NOT NULL,
    last_supervision TEXT,
    last_operational TEXT,
    finance_year     BIGINT,
    revenue_dkk      TEXT,
    costs_dkk        TEXT,
    equity_dkk       TEXT
);
CREATE INDEX rm_site_type ON rm_site (site_type);

-- The foster-care consultant responsible for a site (supervision of the family, personal supervision of the
-- children placed there). Work data, not a journal fact: reassigning is an update.
CREATE TABLE site_assignment (
    site        TEXT PRIMARY KEY,
    consultant  TEXT NOT NULL,
    assigned_at TEXT NOT NULL,
    assigned_by TEXT NOT NULL
);
CREATE INDEX site_assignment_consultant ON site_assignment (consultant);

-- Planned personal supervision visits. The visit itself is a journal event (supervision_visit); a plan is
-- matched to it by date (domain::supervision::plans).
CREATE TABLE visit_plan (
    id           TEXT PRIMARY KEY,
    child        TEXT NOT NULL,
    placement    TEXT NOT NULL,
    planned_for  TEXT NOT NULL,
    planned_by   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    cancelled_at TEXT,
    cancelled_by TEXT
);
CREATE INDEX visit_plan_child ON visit_plan (child, planned_for);

-- Bumped by every change of visit plans or site assignments: with the journal head it tells a remembered worklist
-- whether it is still current (on every app server, not just the one that made the change).
CREATE TABLE work_version (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    n  BIGINT NOT NULL
);
INSERT INTO work_version (id, n) VALUES (1, 0);

CREATE INDEX rm_child_site ON rm_child (site);
-- Danger signals (few) without scanning the journal. Deliberately no general (event_type, seq) index: with the
-- journal's many "WHERE event_type = … ORDER BY seq" reads, SQLite would prefer it to the child and site indexes.
CREATE INDEX journal_signals ON journal (object) WHERE event_type = 'danger_signal';
-- Open / overdue counts per read-model unit (site registry, worklists) from the index alone.
DROP INDEX rm_obligation_unit;
CREATE INDEX rm_obligation_unit ON rm_obligation (unit, fulfilled, due_ts);
