-- The development sample: each version trained from rows stores the fingerprint of the rows it
-- read (features and target); fin_verify_sample recomputes it in one pass and counts the rows
-- that differ (reference: the counts of the changes made below, and SQL's EXCEPT ALL).
-- Stands alone: its changes roll back, and it cleans up at its end.
\i include/credit.sql
BEGIN;
\set ON_ERROR_ROLLBACK on
CREATE TABLE dev_sample AS SELECT * FROM applications;
SELECT version FROM fin_train('sample_m', 'dev_sample', 'status',
                              options => '{"positive": "bad", "exclude": ["id"], "seed": 3}');
SELECT relation, columns, rows, length(sketch) AS sketch_bytes FROM finml.samples WHERE name = 'sample_m';
-- The same rows, in another physical order and with an unread column changed: identical.
CREATE TABLE dev_sample_shuffled AS SELECT * FROM dev_sample ORDER BY md5(id::text);
UPDATE dev_sample_shuffled SET id = id + 100000;
SELECT * FROM fin_verify_sample('sample_m', 'dev_sample_shuffled');
-- Settings that change how values print change nothing.
SET DateStyle = 'German'; SET extra_float_digits = -3; SET TimeZone = 'Asia/Tokyo';
SELECT identical FROM fin_verify_sample('sample_m', 'dev_sample');
RESET DateStyle; RESET extra_float_digits; RESET TimeZone;
-- 7 rows changed, 5 deleted, 3 inserted (one of them a duplicate of a kept row).
UPDATE dev_sample SET income = income + 1 WHERE id IN (SELECT id FROM dev_sample WHERE income IS NOT NULL ORDER BY id LIMIT 7);
DELETE FROM dev_sample WHERE id IN (SELECT id FROM dev_sample ORDER BY id DESC LIMIT 5);
INSERT INTO dev_sample SELECT * FROM dev_sample WHERE id = 100;
CREATE TEMP TABLE new_rows AS SELECT * FROM applications WHERE id IN (1, 2);
UPDATE new_rows SET id = id + 200000, time = time + 1;
INSERT INTO dev_sample SELECT * FROM new_rows;
SELECT * FROM fin_verify_sample('sample_m', 'dev_sample');
-- SQL's own count of the difference, over the same columns.
WITH cols AS (SELECT seniority, home, time, age, marital, records, job, expenses, income, assets,
                     debt, amount, price, status FROM applications),
     now AS (SELECT seniority, home, time, age, marital, records, job, expenses, income, assets,
                    debt, amount, price, status FROM dev_sample)
SELECT (SELECT count(*) FROM (SELECT * FROM cols EXCEPT ALL SELECT * FROM now) g) AS removed,
       (SELECT count(*) FROM (SELECT * FROM now EXCEPT ALL SELECT * FROM cols) n) AS added;
-- Half the rows replaced: too many to count, and said so (NULL), never a wrong count.
DELETE FROM dev_sample WHERE id % 2 = 0;
SELECT identical, rows_removed, rows_added FROM fin_verify_sample('sample_m', 'dev_sample');
-- A relation without a column the version read is 42703; a version without a fingerprint
-- (imported) is 55000; a role that may not use the model is 42501.
SELECT * FROM fin_verify_sample('sample_m', 'finml.model_owners');
\echo :LAST_ERROR_SQLSTATE
SELECT fin_import('sample_copy', fin_export('sample_m'));
SELECT * FROM fin_verify_sample('sample_copy', 'applications');
\echo :LAST_ERROR_SQLSTATE
CREATE ROLE sample_stranger NOLOGIN;
SET ROLE sample_stranger;
SELECT * FROM fin_verify_sample('sample_m', 'applications');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
-- A named version, and the fingerprint leaves with the version.
SELECT version FROM fin_retrain('sample_m');
SELECT version, sample_rows, identical FROM fin_verify_sample('sample_m@1', 'applications');
SELECT fin_drop_model('sample_m', 2);
SELECT version FROM finml.samples WHERE name = 'sample_m';
ROLLBACK;
\i include/cleanup.sql
