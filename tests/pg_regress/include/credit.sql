\set ECHO none
-- The extension and the credit example (examples/credit/credit_data.csv) as the table
-- applications: what every test file starts from. Silent: its lines and notices are not
-- part of the expected output.
SET client_min_messages = warning;
CREATE EXTENSION finml;
\i data/load_credit.sql
RESET client_min_messages;
\set ECHO all
