-- The extension and the credit example (examples/credit/credit_data.csv).
CREATE EXTENSION finml;
\getenv csv FINML_CREDIT_CSV
CREATE TABLE applications (
    id        serial PRIMARY KEY,
    status    text NOT NULL,
    seniority int, home text, time int, age int, marital text, records text, job text,
    expenses  int, income numeric, assets numeric, debt numeric, amount int, price int
);
\set copy_cmd '\\copy applications (status, seniority, home, time, age, marital, records, job, expenses, income, assets, debt, amount, price) FROM ' :'csv' ' WITH (FORMAT csv, HEADER true)'
:copy_cmd
SELECT count(*) AS rows, count(*) FILTER (WHERE status = 'bad') AS bad FROM applications;
-- The catalog objects the extension owns.
SELECT c.relname, c.relkind
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'finml' ORDER BY 1;
-- Both catalog tables are dumped with the data (pg_extension_config_dump).
SELECT unnest(extconfig)::regclass AS dumped FROM pg_extension WHERE extname = 'finml' ORDER BY 1;
