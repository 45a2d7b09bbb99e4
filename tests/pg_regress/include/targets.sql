\set ECHO none
-- The table targets (boolean, 0/1 and numeric targets) and the models flag (boolean target)
-- and amount (a regression), trained as train.sql trains them. Needs include/credit.sql.
\o /dev/null
SET client_min_messages = warning;
CREATE TABLE targets AS
  SELECT id, seniority, income, status = 'bad' AS bad_flag, (status = 'bad')::int AS bad01,
         amount::float8 AS amount
    FROM applications;
SELECT fin_train('flag', 'targets', 'bad_flag', features => ARRAY['seniority', 'income']);
SELECT fin_train('amount', 'targets', 'amount', features => ARRAY['seniority', 'income']);
RESET client_min_messages;
\o
\set ECHO all
