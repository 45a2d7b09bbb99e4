-- Loads the credit example (examples/credit/credit_data.csv, see PROVENANCE.md) into the
-- table "applications": one row per loan application, "status" good | bad.
-- Run from the repository root: psql -v csv="$PWD/examples/credit/credit_data.csv" -f examples/credit/load.sql
DROP TABLE IF EXISTS applications;
CREATE TABLE applications (
    id        serial PRIMARY KEY,
    status    text NOT NULL,
    seniority int, home text, time int, age int, marital text, records text, job text,
    expenses  int, income numeric, assets numeric, debt numeric, amount int, price int
);
\set copy_cmd '\\copy applications (status, seniority, home, time, age, marital, records, job, expenses, income, assets, debt, amount, price) FROM ' :'csv' ' WITH (FORMAT csv, HEADER true)'
:copy_cmd
ANALYZE applications;
