-- Loads the credit example (examples/credit/credit_data.csv, see PROVENANCE.md) into the
-- table "applications": one row per loan application, "status" good | bad.
-- The CSV comes on standard input, so the file only has to be readable by whoever runs psql:
--   psql -f examples/credit/load.sql < examples/credit/credit_data.csv
SET client_min_messages = warning;
DROP TABLE IF EXISTS applications;
RESET client_min_messages;
CREATE TABLE applications (
    id        serial PRIMARY KEY,
    status    text NOT NULL,
    seniority int, home text, time int, age int, marital text, records text, job text,
    expenses  int, income numeric, assets numeric, debt numeric, amount int, price int
);
\copy applications (status, seniority, home, time, age, marital, records, job, expenses, income, assets, debt, amount, price) FROM pstdin WITH (FORMAT csv, HEADER true)
ANALYZE applications;
