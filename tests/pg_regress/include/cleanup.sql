\set ECHO none
-- Leaves the database as a new one: no finml, no schema but an empty public one (what a
-- file that commits created is gone, so that the next file starts from scratch).
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS finml CASCADE;
DO $$
DECLARE s name;
BEGIN
  FOR s IN SELECT nspname FROM pg_namespace
            WHERE nspname NOT LIKE 'pg\_%' AND nspname <> 'information_schema' LOOP
    EXECUTE format('DROP SCHEMA %I CASCADE', s);
  END LOOP;
END $$;
CREATE SCHEMA public AUTHORIZATION pg_database_owner;
GRANT USAGE ON SCHEMA public TO PUBLIC;
COMMENT ON SCHEMA public IS 'standard public schema';
RESET client_min_messages;
\set ECHO all
