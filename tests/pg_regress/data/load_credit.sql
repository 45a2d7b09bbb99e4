-- The credit example (examples/credit/credit_data.csv, path in $FINML_CREDIT_CSV) as the table
-- applications, in the current database.
\getenv csv FINML_CREDIT_CSV
CREATE TABLE applications (
    id        serial PRIMARY KEY,
    status    text NOT NULL,
    seniority int, home text, time int, age int, marital text, records text, job text,
    expenses  int, income numeric, assets numeric, debt numeric, amount int, price int
);
\set copy_cmd '\\copy applications (status, seniority, home, time, age, marital, records, job, expenses, income, assets, debt, amount, price) FROM ' :'csv' ' WITH (FORMAT csv, HEADER true)'
:copy_cmd
-- COPY's bulk insert places rows in pages differently across PostgreSQL majors (16 extends a
-- table by several pages at once): the heap in id order makes every scan, and so every seeded
-- split, the same on each.
CLUSTER applications USING applications_pkey;
