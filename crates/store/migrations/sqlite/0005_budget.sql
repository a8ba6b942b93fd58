-- Budget lines (issue 7): per municipality and year, a line of the account plan, the spend categories it covers
-- and the amount granted. Every change is a new version (who, when); the newest version of a line counts.
-- Append-only.
CREATE TABLE budget_line (
    municipality TEXT NOT NULL,
    year         BIGINT NOT NULL,
    code         TEXT NOT NULL,
    version      BIGINT NOT NULL,
    name         TEXT NOT NULL,
    covers       TEXT NOT NULL,
    amount_ore   BIGINT NOT NULL,
    retired      BIGINT NOT NULL DEFAULT 0,
    edited_by    TEXT NOT NULL,
    edited_at    TEXT NOT NULL,
    PRIMARY KEY (municipality, year, code, version)
);
CREATE TRIGGER budget_line_no_update BEFORE UPDATE ON budget_line
BEGIN SELECT RAISE(ABORT, 'budget lines are append-only: a change is a new version'); END;
CREATE TRIGGER budget_line_no_delete BEFORE DELETE ON budget_line
BEGIN SELECT RAISE(ABORT, 'budget lines are append-only: a change is a new version'); END;
