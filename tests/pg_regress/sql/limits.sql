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
SHOW finml.max_training_memory;
SHOW finml.threads;
SELECT count(*) AS partial_models FROM finml.models WHERE name IN ('slow', 'big');
ROLLBACK;
