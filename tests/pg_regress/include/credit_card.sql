\set ECHO none
-- credit_card: the scorecard of the credit example, trained as scorecard.sql trains it.
-- Needs include/credit.sql.
\o /dev/null
SET client_min_messages = warning;
SELECT fin_train('credit_card', 'applications', 'status', 'scorecard',
                 options => '{"positive": "bad", "exclude": ["id"], "test_size": 0.3, "seed": 42}');
RESET client_min_messages;
\o
\set ECHO all
