\set ECHO none
-- credit_risk: the logistic model of the credit example, trained as train.sql trains it
-- (stratified 70/30 split, seed 42). Needs include/credit.sql.
\o /dev/null
SET client_min_messages = warning;
SELECT fin_train('credit_risk', 'applications', 'status',
                 options => '{"positive": "bad", "exclude": ["id"], "test_size": 0.3, "seed": 42}');
RESET client_min_messages;
\o
\set ECHO all
