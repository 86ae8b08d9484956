-- Mirrors sql/postgres/004_titles.sql.
ALTER TABLE sessions ADD COLUMN title TEXT;
ALTER TABLE sessions ADD COLUMN title_source TEXT;
