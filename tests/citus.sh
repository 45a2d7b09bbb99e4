#!/usr/bin/env bash
# finml on a real Citus cluster (coordinator + 2 workers on this machine, throwaway): the row
# functions pushed down to the workers return what one node returns, models reach the workers
# with the catalog's guarantees (DESIGN.md "Scale-out on Citus"), a worker stopped during
# scoring gives a clear error and loses nothing, and pg_dump of the coordinator restores.
#
# Needs Citus installed into the PostgreSQL of $PG_CONFIG (make test builds it from
# ../shared/vendor/citus when that folder exists); says SKIPPED and why otherwise.
# Prints "N passed, N failed" at the end; exits non-zero when a check fails.
set -euo pipefail

PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
PG_USER=${PG_USER:-postgres}
PORT=${FINML_CITUS_PORT:-54400}
BIG_ROWS=${FINML_CITUS_BIG_ROWS:-1000000}
BINDIR=$("$PG_CONFIG" --bindir)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [ ! -f "$("$PG_CONFIG" --pkglibdir)/citus.so" ]; then
    echo "SKIPPED: Citus is not installed in $("$PG_CONFIG" --pkglibdir) (make test builds it" \
         "from ../shared/vendor/citus when that folder exists; elsewhere install Citus 13 for" \
         "PostgreSQL $("$PG_CONFIG" --version | grep -o '[0-9]*' | head -1))"
    exit 0
fi
WORK=$(mktemp -d /tmp/finml-citus.XXXXXX)
chmod 755 "$WORK"
# shellcheck source=checks.sh
. "$(dirname "$0")/checks.sh"

as_pg() { if [ "$(id -un)" = "$PG_USER" ]; then "$@"; else sudo -u "$PG_USER" -- "$@"; fi; }
# shellcheck source=tests/citus_cluster.sh
. "$ROOT/tests/citus_cluster.sh"
sql() { on "$PORT" "$@"; }
as_role() {
    local role=$1
    shift
    on "$PORT" -U "$role" "$@"
}
# The SQLSTATE of a statement expected to fail (its ERROR line kept in $WORK/last_error).
sqlstate_of() {
    local port=$1 role=$2 query=$3
    on "$port" -U "$role" -v ON_ERROR_STOP=0 -c "$query" -c '\echo :LAST_ERROR_SQLSTATE' \
        2>"$WORK/last_error" | tail -1
}
cleanup() {
    stop_citus_cluster
    rm -rf "$WORK"
}
trap cleanup EXIT

echo "== a 3-node Citus cluster on ports $NODES"
cp "$ROOT/examples/credit/credit_data.csv" "$ROOT/tests/pg_regress/data/load_credit.sql" "$WORK/"
chown -R "$PG_USER" "$WORK"
start_citus_cluster
check "three nodes" "3" "$(sql -c "SELECT count(*) FROM pg_dist_node")"

# Objects made on the coordinator only, so that its role OIDs differ from the workers'.
sql -c "CREATE TABLE oid_shift_1 (); CREATE TABLE oid_shift_2 (); CREATE TABLE oid_shift_3 ()"
sql -c "CREATE ROLE risk_owner LOGIN; CREATE ROLE analyst LOGIN"
check "a role's OID differs between the coordinator and a worker" "t" \
    "$(sql -c "SELECT 'analyst'::regrole::oid::text <> result FROM run_command_on_workers(\$\$SELECT 'analyst'::regrole::oid\$\$) LIMIT 1")"

sql -c "CREATE EXTENSION finml"
# The version being tested, from Cargo.toml (not written here a second time).
version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$ROOT/Cargo.toml" | head -1)
check "CREATE EXTENSION finml reaches both workers" "$version $version" \
    "$(sql -c "SELECT string_agg(result, ' ') FROM run_command_on_workers(\$\$SELECT extversion FROM pg_extension WHERE extname = 'finml'\$\$)")"
as_pg env PGHOST="$WORK" PGPORT="$PORT" FINML_CREDIT_CSV="$WORK/credit_data.csv" \
    "$BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -d postgres -f "$WORK/load_credit.sql" >/dev/null
sql -c "CREATE TABLE apps_local AS SELECT * FROM applications" \
    -c "SELECT create_distributed_table('applications', 'id')" \
    -c "SELECT truncate_local_data_after_distributing_table('applications')" \
    -c "GRANT SELECT ON applications, apps_local TO risk_owner, analyst" >/dev/null
check "the credit example is distributed in 32 shards" "32 4454" \
    "$(sql -c "SELECT count(*) FROM pg_dist_shard WHERE logicalrelid = 'applications'::regclass" \
           -c "SELECT count(*) FROM applications" | paste -sd' ')"

echo "== models trained on the coordinator before the catalog is distributed"
as_role risk_owner -c "SELECT version FROM fin_train('risk', 'applications', 'status',
        features => ARRAY['seniority', 'home', 'age', 'records', 'job', 'income', 'amount', 'price'],
        options => '{\"positive\": \"bad\", \"seed\": 42}')" \
    -c "SELECT version FROM fin_train('card', 'applications', 'status', 'scorecard',
        options => '{\"positive\": \"bad\", \"exclude\": [\"id\"], \"seed\": 42}')" \
    -c "SELECT version FROM fin_train('seg', 'applications', NULL, 'kmeans',
        features => ARRAY['seniority', 'age', 'amount', 'price'], options => '{\"k\": 4, \"seed\": 42}')" \
    -c "SELECT version FROM fin_train('odd', 'applications', NULL, 'isolation_forest',
        features => ARRAY['seniority', 'age', 'amount', 'price'], options => '{\"seed\": 42}')" \
    -c "SELECT fin_grant('risk', 'analyst')" >/dev/null
check "a worker without the catalog says how to give it one (42704)" "42704" \
    "$(sqlstate_of "$PORT" risk_owner "SELECT sum(fin_predict('risk', a)) FROM applications a")"
check "... and names fin_distribute_catalog in its hint" "1" \
    "$(grep -c 'fin_distribute_catalog() on the coordinator' "$WORK/last_error" || true)"
check "only a superuser distributes the catalog (42501)" "42501" \
    "$(sqlstate_of "$PORT" risk_owner "SELECT * FROM fin_distribute_catalog()")"
check "fin_distribute_catalog makes 4 reference tables" "4" \
    "$(sql -c "SELECT count(*) FROM fin_distribute_catalog() WHERE made_reference")"
check "... and a second call none" "4 0" \
    "$(sql -c "SELECT count(*), count(*) FILTER (WHERE made_reference) FROM fin_distribute_catalog()" | tr '|' ' ')"
check "each worker's grant names its own OID of the grantee" "analyst analyst" \
    "$(sql -c "SELECT string_agg(result, ' ') FROM run_command_on_workers(\$\$
        SELECT string_agg(grantee::text, ',') FROM finml.model_grants
         WHERE grantee::oid = 'analyst'::regrole::oid\$\$)")"

echo "== scoring pushed down"
sql -c "EXPLAIN (VERBOSE, COSTS OFF) SELECT id, fin_predict('risk', a) FROM applications a" >"$WORK/explain"
sed 's/^/   /' "$WORK/explain" | head -9
check "the plan runs fin_predict inside each of 32 worker tasks" "32 1 1" \
    "$(grep -o 'Task Count: [0-9]*' "$WORK/explain" | grep -o '[0-9]*') \
$(grep -c "Query: SELECT id, public.fin_predict('risk'::text, a.\*) AS fin_predict FROM public.applications_[0-9]* a" "$WORK/explain") \
$(grep -c "Output: id, fin_predict('risk'::text, a.\*)" "$WORK/explain")"
# Row functions, and the set-returning ones in the select list (Citus pushes those down;
# a set-returning function in FROM over a shard's row is not pushed down, see DESIGN.md).
ROW_FUNCTIONS="id, fin_predict('risk', a) AS p, fin_predict('card', a) AS p_card, fin_score('card', a) AS s,
       fin_cluster('seg', a) AS c, fin_predict('seg', a) AS distance, fin_anomaly_score('odd', a) AS anomaly"
SET_FUNCTIONS="id, (fin_reason_codes('card', a)).feature AS reason, (fin_explain('risk', a, 20)).*"
sql -c "CREATE TABLE out_dist AS SELECT $ROW_FUNCTIONS FROM applications a" \
    -c "CREATE TABLE out_local AS SELECT $ROW_FUNCTIONS FROM apps_local a" \
    -c "CREATE TABLE sets_dist AS SELECT $SET_FUNCTIONS FROM applications a" \
    -c "CREATE TABLE sets_local AS SELECT $SET_FUNCTIONS FROM apps_local a"
check "fin_predict, fin_score, fin_cluster, fin_anomaly_score on 32 shards equal one node's, row for row" \
    "4454 0" "$(sql -c "SELECT count(*), count(*) FILTER (WHERE (d.*)::text IS DISTINCT FROM (l.*)::text)
                          FROM out_dist d JOIN out_local l USING (id)" | tr '|' ' ')"
check "fin_reason_codes and fin_explain on 32 shards equal one node's, row for row" "t 0 0" \
    "$(sql -c "SELECT count(*) = (SELECT count(*) FROM sets_local) AND count(*) > 4454 FROM sets_dist" \
           -c "SELECT count(*) FROM (SELECT * FROM sets_dist EXCEPT ALL SELECT * FROM sets_local) x" \
           -c "SELECT count(*) FROM (SELECT * FROM sets_local EXCEPT ALL SELECT * FROM sets_dist) x" | paste -sd' ')"

sql -c "EXPLAIN (VERBOSE, COSTS OFF) SELECT fin_drift_counts('card', ARRAY[amount::float8], ARRAY[home]) FROM applications" >"$WORK/explain_psi"
grep 'Query:' "$WORK/explain_psi" | sed 's/^ */   /'
check "fin_psi's counts are a partial aggregate in each worker task" "32 1" \
    "$(grep -o 'Task Count: [0-9]*' "$WORK/explain_psi" | grep -o '[0-9]*') $(grep -c 'Query: SELECT pg_catalog.worker_partial_agg(' "$WORK/explain_psi")"
check "fin_psi over 32 shards equals one node's, feature for feature" "t" \
    "$(sql -c "SELECT count(*) > 1 AND count(*) = count(*) FILTER (WHERE c.psi = l.psi)
                 FROM fin_psi('card', 'applications') c JOIN fin_psi('card', 'apps_local') l USING (feature)")"

echo "== deploy, rollback, revoke and drop on the coordinator: what the next statement on a worker sees"
as_role risk_owner -c "SELECT version FROM fin_train('risk', 'applications', 'status',
        features => ARRAY['seniority', 'records', 'job', 'amount'],
        options => '{\"positive\": \"bad\", \"seed\": 42, \"deploy\": \"never\"}')" >/dev/null
# One session throughout, so the workers' backends (pooled by Citus) keep their model caches.
as_role risk_owner >"$WORK/lifecycle" <<'SQL'
-- Predictions compared row for row (sums differ in the last bits: shards add in another order).
\set agree 'SELECT NOT EXISTS (SELECT id, fin_predict(''risk'', a) FROM applications a EXCEPT SELECT id, fin_predict(''risk'', a) FROM apps_local a) AS same, NOT EXISTS (SELECT id, fin_predict(''risk'', a) FROM applications a EXCEPT SELECT id, fin_predict(''risk@1'', a) FROM apps_local a) AS is_v1'
SELECT 'before', * FROM (:agree) x;
SELECT 'deploy 2', version FROM fin_deploy('risk', 2);
SELECT 'after deploy', * FROM (:agree) x;
BEGIN;
SELECT 'deploy 1, rolled back', version FROM fin_deploy('risk', 1);
ROLLBACK;
SELECT 'after rolled-back deploy', * FROM (:agree) x;
SELECT 'rollback', version FROM fin_rollback('risk');
SELECT 'after rollback', * FROM (:agree) x;
SQL
check "a worker predicts with the deployed version; deploy, rolled-back deploy, rollback seen at the next statement" \
"before|t|t
deploy 2|2
after deploy|t|f
deploy 1, rolled back|1
after rolled-back deploy|t|f
rollback|1
after rollback|t|t" "$(cat "$WORK/lifecycle")"
check "the analyst, granted before the catalog was distributed, predicts on the workers" "t" \
    "$(as_role analyst -c "SELECT NOT EXISTS (SELECT id, fin_predict('risk', a) FROM applications a
                                     EXCEPT SELECT id, fin_predict('risk', a) FROM apps_local a)")"
check "... not with a model it was not granted (42501, from a worker)" "42501" \
    "$(sqlstate_of "$PORT" analyst "SELECT sum(fin_score('card', a)) FROM applications a")"
on "$W1" -U analyst -c "SELECT 1" >/dev/null
as_role risk_owner -c "SELECT fin_revoke('risk', 'analyst')" >/dev/null
check "a revoke is seen on the workers at the next statement (42501)" "42501" \
    "$(sqlstate_of "$PORT" analyst "SELECT sum(fin_predict('risk', a)) FROM applications a")"
check "... and leaves no grant on any node" "0 0 0" \
    "$(sql -c "SELECT count(*) FROM finml.model_grants WHERE name = 'risk'" \
           -c "SELECT result FROM run_command_on_workers(\$\$SELECT count(*) FROM finml.model_grants WHERE name = 'risk'\$\$)" | paste -sd' ')"
as_role risk_owner -c "SELECT fin_grant('risk', 'public')" >/dev/null
sql -c "SELECT fin_set_owner('seg', 'analyst')" >/dev/null
check "a grant to PUBLIC reaches the workers" "t" \
    "$(as_role analyst -c "SELECT count(fin_predict('risk', a)) = 4454 FROM applications a")"
check "fin_set_owner reaches the workers: the new owner scores, the old one may not (42501)" "4454 42501" \
    "$(as_role analyst -c "SELECT count(fin_cluster('seg', a)) FROM applications a") \
$(sqlstate_of "$PORT" risk_owner "SELECT sum(fin_cluster('seg', a)) FROM applications a")"
as_role analyst -c "SELECT fin_drop_model('seg')" >/dev/null
check "a dropped model is gone on the workers at the next statement (42704)" "42704" \
    "$(sqlstate_of "$PORT" analyst "SELECT sum(fin_cluster('seg', a)) FROM applications a")"
check "the catalog's placements are identical on every node (roles by name)" "1 1 1 1" \
    "$(sql -c "SELECT count(DISTINCT result) FROM run_command_on_placements('finml.model_versions',
                 \$\$SELECT md5(string_agg(name || version || md5(model) || trained_by, ',' ORDER BY name, version)) FROM %s\$\$)" \
           -c "SELECT count(DISTINCT result) FROM run_command_on_placements('finml.deployments',
                 \$\$SELECT md5(string_agg(name || version || deployed_by || deployed_at, ',' ORDER BY name)) FROM %s\$\$)" \
           -c "SELECT count(DISTINCT result) FROM run_command_on_placements('finml.model_owners',
                 \$\$SELECT md5(string_agg(name || owner::text || last_version, ',' ORDER BY name)) FROM %s\$\$)" \
           -c "SELECT count(DISTINCT result) FROM run_command_on_placements('finml.model_grants',
                 \$\$SELECT md5(string_agg(name || grantee::text || granted_by, ',' ORDER BY name, grantee::text)) FROM %s\$\$)" | paste -sd' ')"

echo "== a generated table of $BIG_ROWS rows"
check "row functions are parallel restricted on every node (Citus reads reference tables in no parallel worker)" "r r r" \
    "$(sql -c "SELECT proparallel FROM pg_proc WHERE oid = 'fin_predict(text, record)'::regprocedure" \
           -c "SELECT result FROM run_command_on_workers(\$\$SELECT proparallel FROM pg_proc WHERE oid = 'fin_predict(text, record)'::regprocedure\$\$)" | paste -sd' ')"
sql -c "CREATE TABLE big AS
        SELECT g AS id, (g % 97) / 10.0 AS x1, ((g * 7) % 101) / 10.0 AS x2, ((g * 13) % 89) / 7.0 AS x3,
               CASE WHEN (g * 31) % 100 < 20 + (g % 97) / 4 THEN 1 ELSE 0 END AS y
          FROM generate_series(1, $BIG_ROWS) g" \
    -c "CREATE TABLE big_local AS SELECT * FROM big" \
    -c "SELECT create_distributed_table('big', 'id')" \
    -c "SELECT truncate_local_data_after_distributing_table('big')" >/dev/null
sql -c "SELECT version FROM fin_train('big_lr', 'big', 'y', features => ARRAY['x1', 'x2', 'x3'],
                                      options => '{\"seed\": 1}')" >/dev/null
check "$BIG_ROWS predictions on the cluster equal a local copy's, row for row" "$BIG_ROWS 0" \
    "$(sql -c "CREATE TABLE big_dist_out AS SELECT id, fin_predict('big_lr', b) AS p FROM big b" \
           -c "SELECT count(*), count(*) FILTER (WHERE d.p IS DISTINCT FROM fin_predict('big_lr', l))
                 FROM big_dist_out d JOIN big_local l USING (id)" | tr '|' ' ')"

echo "== training on a distributed table (the coordinator reads the rows through Citus, in key order)"
sql -c "ALTER TABLE apps_local ADD PRIMARY KEY (id)" \
    -c "SELECT version FROM fin_train('on_cluster', 'applications', 'status', options => '{\"positive\": \"bad\", \"exclude\": [\"id\"], \"seed\": 7}')" \
    -c "SELECT version FROM fin_train('on_one_node', 'apps_local', 'status', options => '{\"positive\": \"bad\", \"exclude\": [\"id\"], \"seed\": 7}')" \
    -c "SELECT version FROM fin_train('card_on_cluster', 'applications', 'status', 'scorecard', options => '{\"positive\": \"bad\", \"exclude\": [\"id\"], \"seed\": 7}')" \
    -c "SELECT version FROM fin_train('card_on_one_node', 'apps_local', 'status', 'scorecard', options => '{\"positive\": \"bad\", \"exclude\": [\"id\"], \"seed\": 7}')" \
    >/dev/null 2>&1
check "logistic regression trained on the cluster equals one node's: coefficients within 1e-9 relative" "26 0" \
    "$(sql -c "SELECT count(*), count(*) FILTER (WHERE abs(c.estimate - l.estimate) > 1e-9 * greatest(abs(l.estimate), 1e-300))
                 FROM fin_coefficients('on_cluster') c JOIN fin_coefficients('on_one_node') l USING (term)" | tr '|' ' ')"
check "a scorecard trained on the cluster has the same bins and points as one node's" "0 0" \
    "$(sql -c "SELECT (SELECT count(*) FROM (SELECT feature, bin, count, points FROM fin_scorecard('card_on_cluster')
                                          EXCEPT SELECT feature, bin, count, points FROM fin_scorecard('card_on_one_node')) x),
                      (SELECT count(*) FROM (SELECT feature, bin, count, points FROM fin_scorecard('card_on_one_node')
                                          EXCEPT SELECT feature, bin, count, points FROM fin_scorecard('card_on_cluster')) x)" | tr '|' ' ')"

echo "== training where the data is: logistic regression's passes summed on the workers"
SUMMED='{"positive": "bad", "exclude": ["id"], "test_size": 0}'
sql -c "SET client_min_messages = debug1" \
    -c "SELECT version FROM fin_train('summed_cluster', 'applications', 'status', options => '$SUMMED')" \
    >/dev/null 2>"$WORK/summed_log"
sql -c "SELECT version FROM fin_train('summed_one_node', 'apps_local', 'status',
                                      options => '$SUMMED'::jsonb || '{\"aggregate\": false}')" >/dev/null
check "fin_train on a distributed table sums its passes on the workers (test_size 0)" "yes" \
    "$(grep -q 'from sums where they are stored' "$WORK/summed_log" && echo yes || echo no)"
sql -c "EXPLAIN (VERBOSE, COSTS OFF) SELECT fin_training_sums('{\"pass\": \"moments\", \"numbers\": 1}',
            ARRAY[amount::float8], ARRAY[]::text[], (status = 'bad')::int) FROM applications" >"$WORK/explain_sums"
check "a pass is a partial aggregate in each of 32 worker tasks" "32 1" \
    "$(grep -o 'Task Count: [0-9]*' "$WORK/explain_sums" | grep -o '[0-9]*') $(grep -c 'Query: SELECT pg_catalog.worker_partial_agg(' "$WORK/explain_sums")"
check "summed on 32 shards equals one node's training in memory: coefficients and standard errors within 1e-9 relative" "26 0" \
    "$(sql -c "SELECT count(*), count(*) FILTER (WHERE abs(c.estimate - l.estimate) > 1e-9 * greatest(abs(l.estimate), 1e-300)
                                              OR abs(c.std_error - l.std_error) > 1e-9 * l.std_error)
                 FROM fin_coefficients('summed_cluster') c JOIN fin_coefficients('summed_one_node') l USING (term)" | tr '|' ' ')"
check "... predictions within 1e-9, row for row, and every metric within 1e-9 relative" "4454 0 0" \
    "$(sql -c "SELECT count(*), count(*) FILTER (WHERE abs(fin_predict('summed_cluster', a) - fin_predict('summed_one_node', a)) > 1e-9)
                 FROM apps_local a" \
           -c "SELECT count(*) FROM finml.models c, finml.models l, jsonb_object_keys(l.metrics) k
                WHERE c.name = 'summed_cluster' AND l.name = 'summed_one_node' AND k NOT IN ('evaluated_on', 'train_seconds')
                  AND abs((c.metrics ->> k)::float8 - (l.metrics ->> k)::float8) > 1e-9 * greatest(abs((l.metrics ->> k)::float8), 1e-300)" | paste -sd' ' | tr '|' ' ')"
sql -c "SELECT version FROM fin_train('price_cluster', 'applications', 'price', options => '{\"exclude\": [\"id\"], \"test_size\": 0}')" \
    -c "SELECT version FROM fin_train('price_one_node', 'apps_local', 'price', options => '{\"exclude\": [\"id\"], \"test_size\": 0, \"aggregate\": false}')" >/dev/null
check "linear regression summed on 32 shards equals one node's: coefficients and standard errors within 1e-9 relative" "0" \
    "$(sql -c "SELECT count(*) FILTER (WHERE abs(c.estimate - l.estimate) > 1e-9 * greatest(abs(l.estimate), 1e-300)
                                       OR abs(c.std_error - l.std_error) > 1e-9 * l.std_error)
                 FROM fin_coefficients('price_cluster') c JOIN fin_coefficients('price_one_node') l USING (term)")"
sql -c "SELECT version FROM fin_train('card_summed', 'applications', 'status', 'scorecard', options => '$SUMMED')" \
    -c "SELECT version FROM fin_train('card_in_memory', 'apps_local', 'status', 'scorecard',
                                      options => '$SUMMED'::jsonb || '{\"aggregate\": false}')" >/dev/null
check "a scorecard summed on 32 shards (atoms by GROUP BY) has one node's bins and points, and scores alike" "0 0 0" \
    "$(sql -c "SELECT (SELECT count(*) FROM (SELECT feature, bin, count, event_rate, points FROM fin_scorecard('card_summed')
                                          EXCEPT SELECT feature, bin, count, event_rate, points FROM fin_scorecard('card_in_memory')) x),
                      (SELECT count(*) FROM (SELECT feature, bin, count, event_rate, points FROM fin_scorecard('card_in_memory')
                                          EXCEPT SELECT feature, bin, count, event_rate, points FROM fin_scorecard('card_summed')) x),
                      (SELECT count(*) FILTER (WHERE fin_score('card_summed', a) <> fin_score('card_in_memory', a)) FROM apps_local a)" | tr '|' ' ')"
sql -c "SELECT version FROM fin_train('big_summed', 'big', 'y', features => ARRAY['x1', 'x2', 'x3'], options => '{\"test_size\": 0}')" \
    -c "SELECT version FROM fin_train('big_memory', 'big_local', 'y', features => ARRAY['x1', 'x2', 'x3'], options => '{\"test_size\": 0}')" >/dev/null
check "on $BIG_ROWS rows too: coefficients within 1e-9 relative" "4 0" \
    "$(sql -c "SELECT count(*), count(*) FILTER (WHERE abs(c.estimate - l.estimate) > 1e-9 * greatest(abs(l.estimate), 1e-300))
                 FROM fin_coefficients('big_summed') c JOIN fin_coefficients('big_memory') l USING (term)" | tr '|' ' ')"
JOBS='{"exclude": ["id", "status"], "test_size": 0}'
sql -c "SELECT version FROM fin_train('jobs_cluster', 'applications', 'job', options => '$JOBS')" >"$WORK/jobs_log" 2>&1
sql -c "SELECT version FROM fin_train('jobs_one_node', 'apps_local', 'job', options => '$JOBS')" >/dev/null 2>&1
check "a multi-class target on a cluster says it reads the rows, and fits one node's multinomial: coefficients within 1e-9 relative" "yes t 0" \
    "$(grep -q 'a multi-class target is not trained from sums yet' "$WORK/jobs_log" && echo yes || echo no) \
$(sql -c "SELECT count(*) > 0, count(*) FILTER (WHERE abs(c.estimate - l.estimate) > 1e-9 * greatest(abs(l.estimate), 1e-300))
                 FROM fin_coefficients('jobs_cluster') c JOIN fin_coefficients('jobs_one_node') l USING (term)" | tr '|' ' ')"
MLP='{"positive": "bad", "exclude": ["id"], "epochs": 5, "seed": 7}'
sql -c "SELECT version FROM fin_train('mlp_cluster', 'applications', 'status', 'mlp', options => '$MLP')" \
    -c "SELECT version FROM fin_train('mlp_one_node', 'apps_local', 'status', 'mlp', options => '$MLP')" >/dev/null 2>&1
echo "   MLP test AUC, cluster | one node: $(sql -c "SELECT c.metrics ->> 'auc', l.metrics ->> 'auc' FROM finml.models c, finml.models l
                                                     WHERE c.name = 'mlp_cluster' AND l.name = 'mlp_one_node'")"
check "an MLP on a cluster reads its rows in key order on the coordinator: the same test AUC as one node's" "t t" \
    "$(sql -c "SELECT c.metrics ->> 'auc' = l.metrics ->> 'auc', (c.metrics ->> 'auc')::float8 > 0.7
                 FROM finml.models c, finml.models l WHERE c.name = 'mlp_cluster' AND l.name = 'mlp_one_node'" | tr '|' ' ')"
GBDT='{"positive": "bad", "exclude": ["id"], "n_trees": 20, "subsample": 0.8, "seed": 7}'
sql -c "SELECT version FROM fin_train('gbdt_cluster', 'applications', 'status', 'gbdt', options => '$GBDT')" >"$WORK/gbdt_log" 2>&1
sql -c "SELECT version FROM fin_train('gbdt_one_node', 'apps_local', 'status', 'gbdt', options => '$GBDT')" >/dev/null 2>&1
check "gradient boosting on a cluster says why it reads the rows, and reads them in key order: one node's test AUC" "yes t t" \
    "$(grep -q 'only logistic and linear regression and scorecards train from sums' "$WORK/gbdt_log" && echo yes || echo no) \
$(sql -c "SELECT c.metrics ->> 'auc' = l.metrics ->> 'auc', (c.metrics ->> 'auc')::float8 > 0.75
                 FROM finml.model_versions c, finml.model_versions l WHERE c.name = 'gbdt_cluster' AND l.name = 'gbdt_one_node'" | tr '|' ' ')"
sql -c "SELECT version FROM fin_train('read_cluster', 'applications', 'status', options => '{\"positive\": \"bad\", \"exclude\": [\"id\"]}')" \
    >"$WORK/read_log" 2>&1
check "a training the workers cannot sum says why, and reads the rows (test_size 0.2)" "yes 1" \
    "$(grep -q 'read on the coordinator: a random or stratified split' "$WORK/read_log" && echo yes || echo no) \
$(sql -c "SELECT count(*) FROM finml.model_versions WHERE name = 'read_cluster'")"

sql -c "SET client_min_messages = debug1" -c "SELECT count(*) FROM fin_evaluate('risk', 'applications')" >/dev/null 2>"$WORK/evaluate_log"
check "fin_evaluate on a distributed table predicts on the workers (only predictions and labels come back)" "yes" \
    "$(grep -q 'predictions made on the workers' "$WORK/evaluate_log" && echo yes || echo no)"
# Sums over the rows in another order: equal within 1e-9 relative (the predictions are equal).
check "fin_evaluate, fin_gains and fin_calibration on 32 shards equal one node's, within 1e-9 relative" "0 0 0" \
    "$(sql -c "SELECT count(*) FROM fin_evaluate('risk', 'applications') e FULL JOIN fin_evaluate('risk', 'apps_local') l USING (metric)
                WHERE NOT abs(e.value - l.value) <= 1e-9 * greatest(abs(l.value), 1e-300) OR e.value IS NULL OR l.value IS NULL" \
           -c "SELECT count(*) FROM (SELECT * FROM fin_gains('risk', 'applications') EXCEPT SELECT * FROM fin_gains('risk', 'apps_local')) x" \
           -c "SELECT count(*) FROM fin_calibration('risk', 'applications') e FULL JOIN fin_calibration('risk', 'apps_local') l USING (bin)
                WHERE e.count IS DISTINCT FROM l.count OR e.observed_rate IS DISTINCT FROM l.observed_rate
                   OR NOT abs(e.mean_predicted - l.mean_predicted) <= 1e-9 * l.mean_predicted" | paste -sd' ')"

sql -c "SET client_min_messages = debug1" -c "SELECT count(*) FROM fin_monitor('card', 'applications', 'home')" >/dev/null 2>"$WORK/monitor_log"
check "fin_monitor on a distributed table predicts and counts drift on the workers" "yes" \
    "$(grep -q 'predictions and drift counts made on the workers' "$WORK/monitor_log" && echo yes || echo no)"
check "fin_monitor by period on 32 shards equals one node's (counts exactly, statistics within 1e-9 relative)" "7 0" \
    "$(sql -c "SELECT count(*), count(*) FILTER (WHERE (d.rows, d.labelled_rows, d.event_rate, d.status, d.max_csi_feature)
                                                 IS DISTINCT FROM (l.rows, l.labelled_rows, l.event_rate, l.status, l.max_csi_feature)
                    OR NOT abs(d.auc - l.auc) <= 1e-9 * l.auc OR NOT abs(d.brier - l.brier) <= 1e-9 * l.brier
                    OR NOT abs(d.mean_predicted - l.mean_predicted) <= 1e-9 * l.mean_predicted
                    OR NOT abs(d.psi - l.psi) <= 1e-9 * greatest(l.psi, 1e-300) OR NOT abs(d.max_csi - l.max_csi) <= 1e-9 * greatest(l.max_csi, 1e-300))
                 FROM fin_monitor('card', 'applications', 'home') d FULL JOIN fin_monitor('card', 'apps_local', 'home') l ON coalesce(d.period, '(null)') = coalesce(l.period, '(null)')" | tr '|' ' ')"

echo "== a worker stopped during scoring"
sql -c "SELECT sum(fin_predict('big_lr', b)) FROM big b, generate_series(1, 20)" >/dev/null 2>"$WORK/scoring_error" &
scoring=$!
sleep 2
node_ctl "$W2" -m immediate stop
wait "$scoring" && scored=finished || scored=failed
check "the scoring query fails" "failed" "$scored"
echo "   $(grep -m1 ERROR "$WORK/scoring_error" || true)"
check "... with an error that names the worker" "yes" "$(grep -q "127.0.0.1:$W2" "$WORK/scoring_error" && echo yes || echo no)"
check "a deploy while a worker is down fails and changes nothing" "failed 1" \
    "$(as_role risk_owner -c "SELECT version FROM fin_deploy('risk', 2)" >/dev/null 2>&1 && echo deployed || echo failed) \
$(sql -c "SELECT version FROM finml.deployments WHERE name = 'risk'")"
check "a summed training while a worker is down fails and stores nothing" "failed 0" \
    "$(sql -c "SELECT version FROM fin_train('summed_down', 'applications', 'status', options => '$SUMMED')" >/dev/null 2>&1 && echo trained || echo failed) \
$(sql -c "SELECT count(*) FROM finml.model_versions WHERE name = 'summed_down'")"
check "the coordinator still scores its own tables" "4454" \
    "$(sql -c "SELECT count(fin_predict('risk', a)) FROM apps_local a")"
node_ctl "$W2" start
check "after the worker is back, scoring equals one node's again" "0" \
    "$(sql -c "SELECT count(*) FROM (SELECT id, fin_predict('risk', a) FROM applications a
                 EXCEPT SELECT id, fin_predict('risk', a) FROM apps_local a) x")"
check "and the catalog's placements are identical on every node" "1" \
    "$(sql -c "SELECT count(DISTINCT result) FROM run_command_on_placements('finml.deployments',
                 \$\$SELECT md5(string_agg(name || version, ',' ORDER BY name)) FROM %s\$\$)")"

echo "== pg_dump of the coordinator restores"
as_pg "$BINDIR/pg_dump" -h "$WORK" -p "$PORT" -Fc -d postgres -f "$WORK/coordinator.dump"
sql -c "CREATE DATABASE restored"
as_pg "$BINDIR/pg_restore" -h "$WORK" -p "$PORT" -d restored "$WORK/coordinator.dump" 2>"$WORK/restore.log" || true
restored() { as_pg env PGHOST="$WORK" PGPORT="$PORT" "$BINDIR/psql" -X -q -At -d restored "$@"; }
check "the restored database has every version, deployment, owner and grant" \
    "$(sql -c "SELECT string_agg(name || '@' || version || ':' || deployed || ':' || owner, ',' ORDER BY name, version) FROM finml.models") $(sql -c "SELECT string_agg(name || ':' || grantee, ',') FROM finml.model_grants")" \
    "$(restored -c "SELECT string_agg(name || '@' || version || ':' || deployed || ':' || owner, ',' ORDER BY name, version) FROM finml.models") $(restored -c "SELECT string_agg(name || ':' || grantee, ',') FROM finml.model_grants")"
check "... and predicts what the cluster predicts, row for row" "4454 0" \
    "$(restored -c "SELECT count(*), count(*) FILTER (WHERE fin_predict('risk', a) IS DISTINCT FROM o.p OR fin_score('card', a) IS DISTINCT FROM o.s)
                      FROM applications a JOIN out_dist o USING (id)" | tr '|' ' ')"

checks_summary
