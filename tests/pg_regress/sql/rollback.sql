-- Training inside a rolled-back transaction leaves nothing behind, and the deployed model
-- of the same name is the one predicting afterwards.
-- Stands alone: it has a transaction of its own, so it commits what it starts from, and
-- cleans up at its end.
\i include/credit.sql
\i include/credit_risk.sql
\i include/credit_risk_versions.sql
SELECT count(*) AS versions_before FROM finml.model_versions WHERE name = 'credit_risk';
SELECT round(fin_predict('credit_risk', a)::numeric, 6) AS p_before FROM applications a WHERE id = 1;
BEGIN;
SELECT version FROM fin_train('credit_risk', 'applications', 'status',
                              features => ARRAY['seniority'], options => '{"positive": "bad"}');
-- inside the transaction the new version is deployed and used
SELECT round(fin_predict('credit_risk', a)::numeric, 6) AS p_inside FROM applications a WHERE id = 1;
SELECT version FROM fin_train('brand_new', 'applications', 'status',
                              features => ARRAY['seniority'], options => '{"positive": "bad"}');
ROLLBACK;
SELECT count(*) AS versions_after FROM finml.model_versions WHERE name = 'credit_risk';
SELECT count(*) AS brand_new_versions FROM finml.models WHERE name = 'brand_new';
SELECT round(fin_predict('credit_risk', a)::numeric, 6) AS p_after FROM applications a WHERE id = 1;
SELECT fin_predict('brand_new', a) FROM applications a WHERE id = 1;
\echo :LAST_ERROR_SQLSTATE
\i include/cleanup.sql
