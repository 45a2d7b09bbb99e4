-- For DBAs: every object finml owns says what it is for (\df+, \dv+, \dt+), every setting
-- has a description, limits are set per role by the DBA alone, and finml.progress is there
-- (tests/faults.sh watches it from a second session during a training).
-- Stands alone: it commits (roles, their settings, a new session), and cleans up at its end.
\i include/credit.sql
-- Nothing finml owns lacks a comment (0 rows).
SELECT p.oid::regprocedure::text AS without_comment
  FROM pg_proc p
  JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
 WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'finml')
   AND obj_description(p.oid, 'pg_proc') IS NULL
UNION ALL
SELECT c.oid::regclass::text FROM pg_class c
 WHERE c.relnamespace = 'finml'::regnamespace AND c.relkind IN ('r', 'v', 'c')
   AND obj_description(c.oid, 'pg_class') IS NULL
UNION ALL
SELECT 'schema finml' WHERE obj_description('finml'::regnamespace, 'pg_namespace') IS NULL;
-- What carries one: functions, tables, views, the schema.
SELECT d.classid::regclass AS catalog, count(*) AS commented
  FROM pg_depend d
  JOIN pg_description c ON c.classoid = d.classid AND c.objoid = d.objid AND c.objsubid = 0
 WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'finml') AND d.deptype = 'e'
 GROUP BY 1 ORDER BY 1::text;
-- \df+ fin_predict's Description column.
SELECT p.oid::regprocedure AS function, obj_description(p.oid, 'pg_proc') AS description
  FROM pg_proc p WHERE p.proname = 'fin_predict' ORDER BY 1::text;
-- Every setting (\dconfig+ finml.*): its one-line purpose, who may set it, unit and default.
SELECT name, short_desc, context, unit, boot_val FROM pg_settings WHERE name LIKE 'finml.%' ORDER BY name;
-- finml.progress is empty while nothing trains, and readable by every role.
SELECT count(*) AS trainings FROM finml.progress;
SELECT has_table_privilege('public', 'finml.progress', 'SELECT') AS public_may_read;
-- Limits per role: the DBA sets them with ALTER ROLE; the role cannot raise them (42501).
SELECT current_user AS dba \gset
CREATE ROLE dba_analyst LOGIN;
GRANT SELECT ON applications TO dba_analyst;
ALTER ROLE dba_analyst SET finml.max_training_memory = '2MB';
ALTER ROLE dba_analyst SET finml.threads = 1;
ALTER ROLE dba_analyst SET finml.max_concurrent_trainings = 1;
\c - dba_analyst
SHOW finml.max_training_memory;
SHOW finml.threads;
SHOW finml.max_concurrent_trainings;
SET finml.max_training_memory = '4GB';
\echo :LAST_ERROR_SQLSTATE
SET finml.training_wait_timeout = 0;
\echo :LAST_ERROR_SQLSTATE
-- Within its 2 MB: five copies of the credit data (22,270 rows) are over it, and the error's
-- hint names the setting (54000); the credit data itself trains.
CREATE TEMP TABLE five_copies AS SELECT a.* FROM applications a, generate_series(1, 5);
\set VERBOSITY default
SELECT version FROM fin_train('analyst_model', 'five_copies', 'status',
                              options => '{"positive": "bad", "exclude": ["id"]}');
\echo :LAST_ERROR_SQLSTATE
SELECT version, train_rows FROM fin_train('analyst_model', 'applications', 'status',
                                          options => '{"positive": "bad", "exclude": ["id"]}');
\set VERBOSITY terse
\c - :dba
SELECT fin_drop_model('analyst_model');
REVOKE SELECT ON applications FROM dba_analyst;
DROP ROLE dba_analyst;
-- The extension's objects, as \dx+ finml lists them, but for the row types of its tables and
-- views and the array types, which PostgreSQL 17 lists as members too and 15 does not.
SELECT pg_catalog.pg_describe_object(d.classid, d.objid, 0) AS "Object description"
  FROM pg_depend d
 WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
   AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'finml')
   AND NOT EXISTS (SELECT FROM pg_type t LEFT JOIN pg_class c ON c.oid = t.typrelid
                    WHERE d.classid = 'pg_type'::regclass AND t.oid = d.objid
                      AND (t.typcategory = 'A' OR c.relkind IN ('r', 'v', 'm', 'p')))
 ORDER BY 1;
\i include/cleanup.sql
