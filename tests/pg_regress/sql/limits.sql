-- Long work is polite: statement_timeout cancels a training, and training stays within
-- finml.max_training_memory.
-- Stands alone: everything it creates is rolled back at its end.
BEGIN;
\set ON_ERROR_ROLLBACK on
\i include/credit.sql
CREATE TABLE wide AS
  SELECT i AS id, random() AS x1, random() AS x2, random() AS x3, (random() < 0.3)::int AS y
    FROM generate_series(1, 300000) i;
SET statement_timeout = '100ms';
SELECT * FROM fin_train('slow', 'wide', 'y', options => '{"exclude": ["id"]}');
\echo :LAST_ERROR_SQLSTATE
RESET statement_timeout;
SET finml.max_training_memory = '2MB';
SELECT * FROM fin_train('big', 'wide', 'y', options => '{"exclude": ["id"]}');
\echo :LAST_ERROR_SQLSTATE
RESET finml.max_training_memory;
-- The budget is exact: a training stores what it said it holds (metrics.memory_mb, its
-- largest phase by models/src/memory.rs: the fit's, for 300,000 rows of 3 numbers and a
-- target at 32 bytes each, 25 a row of lists, and the 240,000 training rows' label, row in
-- table order with its label, and truncated Newton's two f64, 26 bytes each, with 3 square
-- matrices of 4 terms and 2 blocks of 1,024 design rows), and a budget 10% below refuses it
-- while reading, before the last row.
SELECT fin_train('sized', 'wide', 'y', options => '{"exclude": ["id"]}') IS NOT NULL AS trained;
SELECT metrics->>'memory_mb' AS memory_mb,
       round((300000 * (32 + 25) + 240000 * 26 + 3 * 8 * 4 * 4 + 2 * 1024 * 4 * 8) / 1048576.0, 1) AS formula
  FROM finml.model_versions WHERE name = 'sized';
SELECT set_config('finml.max_training_memory',
                  floor(0.9 * (metrics->>'memory_mb')::float8 * 1024)::int || 'kB', false) AS budget
  FROM finml.model_versions WHERE name = 'sized';
DO $$
DECLARE
  message text;
BEGIN
  PERFORM fin_train('sized', 'wide', 'y', options => '{"exclude": ["id"]}');
  RAISE NOTICE 'trained under 90%% of its claim';
EXCEPTION WHEN program_limit_exceeded THEN
  GET STACKED DIAGNOSTICS message = MESSAGE_TEXT;
  RAISE NOTICE 'refused (54000) while reading, before the last row: %',
    substring(message from 'after (\d+) rows')::int < 300000;
END $$;
RESET finml.max_training_memory;
SHOW finml.max_training_memory;
SHOW finml.threads;
SELECT count(*) AS partial_models FROM finml.models WHERE name IN ('slow', 'big');
SELECT count(*) AS versions_of_sized FROM finml.model_versions WHERE name = 'sized';
ROLLBACK;
