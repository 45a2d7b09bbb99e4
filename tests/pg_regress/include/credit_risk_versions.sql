\set ECHO none
-- credit_risk as train.sql leaves it: version 2 (the same options as version 1) deployed,
-- version 3 trained with "deploy": false. Needs include/credit_risk.sql.
\o /dev/null
SET client_min_messages = warning;
SELECT fin_train('credit_risk', 'applications', 'status',
                 options => '{"positive": "bad", "exclude": ["id"], "test_size": 0.3}');
SELECT fin_train('credit_risk', 'applications', 'status',
                 options => '{"positive": "bad", "exclude": ["id"], "deploy": false}');
RESET client_min_messages;
\o
\set ECHO all
