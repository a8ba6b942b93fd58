-- Nothing changes on PostgreSQL. On SQLite this version makes the journal's sequence number the table's rowid and
-- the uniqueness of event ids a named index (see migrations/sqlite/0007_journal_rowid.sql); PostgreSQL's journal
-- already has a primary key of its own and no hidden rowid. The version exists here so both trees stay in step.
SELECT 1;
