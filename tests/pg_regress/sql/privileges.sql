-- Training reads the relation with the caller's privileges (SECURITY INVOKER).
CREATE ROLE finml_analyst NOLOGIN;
CREATE TABLE secret_loans AS SELECT * FROM applications;
CREATE TABLE open_loans AS SELECT * FROM applications;
GRANT SELECT ON open_loans TO finml_analyst;
SET ROLE finml_analyst;
SELECT * FROM fin_train('stolen', 'secret_loans', 'status', options => '{"positive": "bad", "exclude": ["id"]}');
\echo :LAST_ERROR_SQLSTATE
SELECT version FROM fin_train('analyst_model', 'open_loans', 'status',
                              options => '{"positive": "bad", "exclude": ["id"]}');
SELECT trained_by FROM finml.models WHERE name = 'analyst_model';
SELECT round(fin_predict('analyst_model', o)::numeric, 6) AS p FROM open_loans o ORDER BY id LIMIT 1;
-- Monitoring reads the population with the caller's privileges too.
SELECT * FROM fin_psi('credit_card', 'secret_loans');
\echo :LAST_ERROR_SQLSTATE
SELECT feature, status FROM fin_psi('credit_card', 'open_loans') WHERE feature = '(score)';
RESET ROLE;
SELECT count(*) AS stolen_versions FROM finml.models WHERE name = 'stolen';
