-- Models are data: pg_dump / pg_restore into a fresh database keeps every version and the
-- deployments, and the restored models predict the same numbers.
CREATE TABLE predictions_before AS
  SELECT id, fin_predict('credit_risk', a) AS p, fin_score('credit_card', a) AS score,
         ARRAY(SELECT r FROM fin_reason_codes('credit_card', a) r)::text AS reasons
    FROM applications a;
SELECT count(*) AS versions, count(*) FILTER (WHERE deployed) AS deployed FROM finml.models;
\! pg_dump -Fc -d finml_regress -f "$FINML_WORK/finml_regress.dump"
\! createdb finml_restored && pg_restore -d finml_restored "$FINML_WORK/finml_regress.dump" && echo restored
\c finml_restored
SELECT count(*) AS versions, count(*) FILTER (WHERE deployed) AS deployed FROM finml.models;
SELECT count(*) AS rows,
       count(*) FILTER (WHERE fin_predict('credit_risk', a) IS DISTINCT FROM b.p) AS different,
       count(*) FILTER (WHERE fin_score('credit_card', a) IS DISTINCT FROM b.score) AS different_scores,
       count(*) FILTER (WHERE ARRAY(SELECT r FROM fin_reason_codes('credit_card', a) r)::text
                              IS DISTINCT FROM b.reasons) AS different_reasons
  FROM applications a JOIN predictions_before b USING (id);
-- Training continues the version numbering after a restore.
SELECT version FROM fin_train('credit_risk', 'applications', 'status',
                              options => '{"positive": "bad", "exclude": ["id"]}');
-- Dropping and re-creating the extension in this same session (the model cache and the
-- catalog's oid are per backend) starts afresh without errors.
DROP EXTENSION finml;
CREATE EXTENSION finml;
SELECT count(*) AS versions FROM finml.models;
SELECT version FROM fin_train('credit_risk', 'applications', 'status',
                              features => ARRAY['seniority'], options => '{"positive": "bad"}');
SELECT round(fin_predict('credit_risk', a)::numeric, 6) AS p FROM applications a WHERE id = 3;
