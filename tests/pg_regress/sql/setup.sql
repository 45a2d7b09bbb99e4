-- The extension and the credit example (examples/credit/credit_data.csv).
-- Stands alone: everything it creates is rolled back at its end.
BEGIN;
\set ON_ERROR_ROLLBACK on
\i include/credit.sql
SELECT count(*) AS rows, count(*) FILTER (WHERE status = 'bad') AS bad FROM applications;
-- The catalog objects the extension owns.
SELECT c.relname, c.relkind
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'finml' ORDER BY 1;
-- Both catalog tables are dumped with the data (pg_extension_config_dump).
SELECT unnest(extconfig)::regclass AS dumped FROM pg_extension WHERE extname = 'finml' ORDER BY 1;
ROLLBACK;
