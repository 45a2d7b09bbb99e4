\set ECHO none
-- The models eval_oot (out-of-time split on eval_loans) and eval_price (a regression), trained
-- as evaluate.sql trains them. Needs include/credit.sql.
\o /dev/null
SET client_min_messages = warning;
CREATE TABLE eval_loans AS
  SELECT a.*, date '2020-01-01' + (a.id % 1000) AS app_date FROM applications a;
SELECT fin_train('eval_oot', 'eval_loans', 'status',
       options => '{"positive": "bad", "exclude": ["id"], "split": {"column": "app_date", "test_from": "2022-06-01"}}');
SELECT fin_train('eval_price', 'applications', 'price',
       options => '{"exclude": ["id", "status"], "test_size": 0}');
RESET client_min_messages;
\o
\set ECHO all
