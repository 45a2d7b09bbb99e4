\echo Use "ALTER EXTENSION finml UPDATE TO '0.13.0'" to load this file. \quit
-- finml 0.12.0 -> 0.13.0: model risk governance, continued. Four-eyes approval
-- (finml.approvals, fin_approve, fin_reject, finml.require_approval), model cards
-- (finml.model_cards, fin_describe), the model inventory (finml.inventory) and the development
-- sample's fingerprint (finml.samples, fin_verify_sample; versions trained before have none).
-- The versions stored before are 'unreviewed': under finml.require_approval a validator
-- approves one before it is deployed again.
-- tests/pg_regress/sql/upgrade.sql checks that an upgraded database has exactly the schema of a
-- fresh 0.13.0 install.

CREATE TABLE finml.approvals (
    name        text        NOT NULL,
    version     int         NOT NULL,
    status      text        NOT NULL CHECK (status IN ('unreviewed', 'pending', 'approved', 'rejected')),
    trained_by  name        NOT NULL,
    trained_session_user name NOT NULL,
    deploy_on_approval boolean NOT NULL DEFAULT false,   -- the deploy policy said to deploy it
    requested_at timestamptz NOT NULL DEFAULT now(),
    decided_by  name,
    decided_at  timestamptz,
    comment     text,
    PRIMARY KEY (name, version)
);
INSERT INTO finml.approvals (name, version, status, trained_by, trained_session_user, requested_at)
SELECT name, version, 'unreviewed', trained_by, trained_by, trained_at FROM finml.model_versions;

CREATE TABLE finml.model_cards (
    name         text        PRIMARY KEY,
    card         jsonb       NOT NULL CHECK (pg_catalog.jsonb_typeof(card) = 'object'),
    described_at timestamptz NOT NULL DEFAULT now(),
    described_by name        NOT NULL
);
-- The development sample of each version trained from rows (since 0.13.0; pg/sample.rs): the
-- relation and the columns it read (features, then target), its row count, and the
-- order-independent fingerprint of its rows that fin_verify_sample recomputes.
CREATE TABLE finml.samples (
    name        text        NOT NULL,
    version     int         NOT NULL,
    relation    text        NOT NULL,
    columns     text[]      NOT NULL,
    rows        bigint      NOT NULL,
    sketch      bytea       NOT NULL,
    PRIMARY KEY (name, version)
);

SELECT pg_catalog.pg_extension_config_dump('finml.approvals', '');
SELECT pg_catalog.pg_extension_config_dump('finml.samples', '');
SELECT pg_catalog.pg_extension_config_dump('finml.model_cards', '');
REVOKE ALL ON finml.approvals, finml.model_cards, finml.samples FROM PUBLIC;

CREATE OR REPLACE VIEW finml.models WITH (security_barrier) AS
SELECT v.name, v.version, v.algorithm, v.task,
       coalesce(d.version = v.version, false) AS deployed,
       v.trained_at, v.trained_by, v.train_rows, v.test_rows, v.relation, v.target,
       v.features, v.metrics, o.owner, v.options, v.requested_features, v.imported,
       v.classes, coalesce(a.status, 'unreviewed') AS approval
  FROM finml.model_versions v
  JOIN finml.model_owners o ON o.name = v.name
  LEFT JOIN finml.deployments d ON d.name = v.name
  LEFT JOIN finml.approvals a ON a.name = v.name AND a.version = v.version
 WHERE finml.can_use(v.name)
 ORDER BY v.name, v.version;

-- The model inventory (since 0.13.0): one row per model the current role may use. Its status
-- is 'retired' (its card has retired_at), 'pending approval' (a version awaits a validator),
-- 'deployed', 'approved' (its newest version, not deployed), 'rejected' (its newest version)
-- or 'not deployed'. The version described is the deployed one, else the newest; the last
-- monitoring run is the latest stored by fin_monitor, with its worst status.
CREATE VIEW finml.inventory WITH (security_barrier) AS
SELECT o.name AS model, o.owner,
       CASE WHEN c.card ? 'retired_at' THEN 'retired'
            WHEN p.versions IS NOT NULL THEN 'pending approval'
            WHEN d.version IS NOT NULL THEN 'deployed'
            WHEN n.status = 'approved' THEN 'approved'
            WHEN n.status = 'rejected' THEN 'rejected'
            ELSE 'not deployed' END AS status,
       d.version AS deployed_version, n.version AS newest_version,
       p.versions AS pending_versions,
       v.version, v.algorithm, v.trained_by, v.trained_at,
       coalesce(a.status, 'unreviewed') AS approval,
       CASE WHEN a.status = 'approved' THEN a.decided_by END AS approved_by,
       CASE WHEN a.status = 'approved' THEN a.decided_at END AS approved_at,
       d.deployed_at, d.deployed_by,
       m.run_at AS last_monitored_at, m.status AS last_monitoring_status,
       c.card OPERATOR(pg_catalog.->>) 'risk_tier' AS risk_tier,
       c.card OPERATOR(pg_catalog.->>) 'validation_status' AS validation_status,
       c.card
  FROM finml.model_owners o
  LEFT JOIN finml.deployments d ON d.name = o.name
  LEFT JOIN finml.model_cards c ON c.name = o.name
  LEFT JOIN LATERAL (SELECT nv.version, na.status
                       FROM finml.model_versions nv
                       LEFT JOIN finml.approvals na
                              ON na.name = nv.name AND na.version = nv.version
                      WHERE nv.name = o.name ORDER BY nv.version DESC LIMIT 1) n ON true
  LEFT JOIN LATERAL (SELECT pg_catalog.array_agg(pa.version ORDER BY pa.version) AS versions
                       FROM finml.approvals pa
                      WHERE pa.name = o.name AND pa.status = 'pending') p ON true
  LEFT JOIN finml.model_versions v
         ON v.name = o.name AND v.version = coalesce(d.version, n.version)
  LEFT JOIN finml.approvals a ON a.name = v.name AND a.version = v.version
  LEFT JOIN LATERAL (SELECT ml.run_at, ml.status
                       FROM finml.monitoring_log ml
                      WHERE ml.model = o.name
                      ORDER BY ml.run_at DESC,
                               CASE ml.status WHEN 'shifted' THEN 3 WHEN 'watch' THEN 2 ELSE 1 END DESC
                      LIMIT 1) m ON true
 WHERE finml.can_use(o.name)
 ORDER BY o.name;
GRANT SELECT ON finml.inventory TO PUBLIC;

CREATE  FUNCTION "fin_approve"(
	"model" TEXT, /* Option < & str > */
	"version" INT, /* Option < i32 > */
	"comment" TEXT /* Option < & str > */
) RETURNS TABLE (
	"model" TEXT,  /* String */
	"version" INT,  /* i32 */
	"status" TEXT,  /* String */
	"deployed" bool,  /* bool */
	"deployed_version" INT  /* Option < i32 > */
)
VOLATILE PARALLEL UNSAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'fin_approve_wrapper';

CREATE  FUNCTION "fin_reject"(
	"model" TEXT, /* Option < & str > */
	"version" INT, /* Option < i32 > */
	"comment" TEXT /* Option < & str > */
) RETURNS TABLE (
	"model" TEXT,  /* String */
	"version" INT,  /* i32 */
	"status" TEXT,  /* String */
	"deployed" bool,  /* bool */
	"deployed_version" INT  /* Option < i32 > */
)
VOLATILE PARALLEL UNSAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'fin_reject_wrapper';

CREATE  FUNCTION "fin_describe"(
	"model" TEXT, /* Option < & str > */
	"card" jsonb /* Option < JsonB > */
) RETURNS jsonb /* Result < JsonB, ErrorReport > */
VOLATILE PARALLEL UNSAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'fin_describe_wrapper';


COMMENT ON TABLE finml.approvals IS 'Four-eyes approval: each version''s developer (role and session user), status (unreviewed, pending, approved, rejected), what its deploy policy chose, and the validator''s decision (private: read finml.models and finml.inventory)';
COMMENT ON TABLE finml.model_cards IS 'Each model''s card (fin_describe): purpose, intended use, owner team, risk tier, limitations, validation status, retirement, other keys (private: read finml.inventory)';
COMMENT ON VIEW finml.inventory IS 'The model inventory: every model the current role may use, its status (pending approval, approved, deployed, rejected, retired), deployed version, developer and approver, last monitoring run and its worst status, and its card';
COMMENT ON FUNCTION fin_approve(text, integer, text) IS 'A validator''s approval of a model version (four eyes: a member of finml.validator_role who did not develop it); deploys a pending version its policy chose';
COMMENT ON FUNCTION fin_reject(text, integer, text) IS 'A validator''s rejection of a model version: under finml.require_approval it is not deployed until approved';
COMMENT ON FUNCTION fin_describe(text, jsonb) IS 'Merges keys into a model''s card (purpose, intended_use, owner_team, risk_tier, limitations, validation_status, retired_at, others kept; null removes); returns the card';

CREATE  FUNCTION "fin_verify_sample"(
	"model" TEXT, /* & str */
	"relation" regclass /* PgRelation */
) RETURNS TABLE (
	"version" INT,  /* i32 */
	"sample_rows" bigint,  /* i64 */
	"relation_rows" bigint,  /* i64 */
	"identical" bool,  /* bool */
	"rows_removed" bigint,  /* Option < i64 > */
	"rows_added" bigint  /* Option < i64 > */
)
STRICT VOLATILE PARALLEL UNSAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'fin_verify_sample_wrapper';


COMMENT ON TABLE finml.samples IS 'The development sample of each version trained from rows: relation, columns, row count and the order-independent fingerprint of its rows (private: fin_verify_sample compares)';
COMMENT ON FUNCTION fin_verify_sample(text, regclass) IS 'Whether a relation still holds exactly the rows a model version was developed on, and if not, how many rows are gone and how many new (one pass)';

-- fin_profile's proxy screen adds two result columns: the function is recreated.
DROP FUNCTION fin_profile(regclass, text, jsonb);
CREATE  FUNCTION "fin_profile"(
	"relation" regclass, /* Option < PgRelation > */
	"target" TEXT, /* Option < & str > */
	"options" jsonb DEFAULT '{}' /* Option < JsonB > */
) RETURNS TABLE (
	"column_name" TEXT,  /* String */
	"type_name" TEXT,  /* String */
	"null_share" double precision,  /* Option < f64 > */
	"distinct_values" bigint,  /* Option < i64 > */
	"min" double precision,  /* Option < f64 > */
	"median" double precision,  /* Option < f64 > */
	"max" double precision,  /* Option < f64 > */
	"top_levels" TEXT,  /* Option < String > */
	"iv" double precision,  /* Option < f64 > */
	"auc" double precision,  /* Option < f64 > */
	"correlated_with" TEXT,  /* Option < String > */
	"action" TEXT,  /* String */
	"protected_association" TEXT,  /* Option < String > */
	"proxy_for" TEXT  /* Option < String > */
)
STABLE PARALLEL RESTRICTED
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'fin_profile_wrapper';


COMMENT ON FUNCTION fin_profile(regclass, text, jsonb) IS 'One row per candidate feature of a relation against a two-class target: type, NULL share, distinct values, IV and Gini; with options.protected, its association with each protected attribute and the likely proxies';

-- The aggregate that sums a development sample's fingerprint (pg/sample_aggregate.rs).
CREATE FUNCTION fin_sample_sketch_step(state int8[], row_text text)
RETURNS int8[] IMMUTABLE STRICT PARALLEL SAFE
LANGUAGE c AS 'MODULE_PATHNAME', 'fin_sample_sketch_step';

CREATE  FUNCTION "fin_sample_sketch_add"(
	"a" bigint[], /* Array < '_, i64 > */
	"b" bigint[] /* Array < '_, i64 > */
) RETURNS bigint[] /* Result < Vec < i64 > , ErrorReport > */
IMMUTABLE STRICT PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'fin_sample_sketch_add_wrapper';


CREATE AGGREGATE fin_sample_sketch(row_text text) (
    SFUNC = fin_sample_sketch_step,
    STYPE = int8[],
    INITCOND = '{}',
    COMBINEFUNC = fin_sample_sketch_add,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE fin_sample_sketch(text) IS
    'the order-independent fingerprint of rows given as their values'' text (an invertible Bloom lookup table: the row count, then each cell''s count, key XOR and check XOR), summed by fin_train and fin_verify_sample';
COMMENT ON FUNCTION fin_sample_sketch_step(bigint[], text) IS 'Transition function of fin_sample_sketch';
COMMENT ON FUNCTION fin_sample_sketch_add(bigint[], bigint[]) IS 'Combine function of fin_sample_sketch: adds two partial sketches (counts added, keys XORed)';
