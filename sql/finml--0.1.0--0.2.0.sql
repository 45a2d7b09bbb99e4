-- finml 0.1.0 -> 0.2.0: model ownership and grants, deployment history, the audit log,
-- retraining specifications, and the lifecycle functions. Every model version and deployment
-- is kept. tests/pg_regress/sql/upgrade.sql checks that an upgraded database has exactly the
-- schema of a fresh 0.2.0 install (sql/catalog.sql plus the generated function definitions).

ALTER TABLE finml.model_versions ADD COLUMN requested_features text[], ADD COLUMN imported jsonb;
-- 0.1.0 did not record fin_train's features argument: fin_retrain trains those versions again
-- on the features they use.
UPDATE finml.model_versions SET requested_features = features;

-- A model belongs to the role that first trained (or imported) it.
CREATE TABLE finml.model_owners (
    name        text        PRIMARY KEY CHECK (name <> '' AND strpos(name, '@') = 0),
    owner       name        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    -- versions are never numbered twice, even after fin_drop_model: 'name@3' is one model
    last_version int        NOT NULL DEFAULT 0
);

-- Roles the owner allowed to use a model (predict, score, inspect); 'public' for every role.
CREATE TABLE finml.model_grants (
    name        text        NOT NULL,
    grantee     name        NOT NULL,
    granted_by  name        NOT NULL,
    granted_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (name, grantee)
);

-- Every deployment of a model in order; fin_rollback returns to the latest one not rolled back.
CREATE TABLE finml.deployment_history (
    name        text        NOT NULL,
    seq         int         NOT NULL,
    version     int         NOT NULL,
    deployed_at timestamptz NOT NULL DEFAULT now(),
    deployed_by name        NOT NULL,
    rolled_back_at timestamptz,
    rolled_back_by name,
    PRIMARY KEY (name, seq)
);

-- The audit log: who did what to which model, when, and how it ended.
CREATE TABLE finml.event_log (
    at          timestamptz NOT NULL DEFAULT clock_timestamp(),
    role        name        NOT NULL,
    action      text        NOT NULL,
    model       text        NOT NULL,
    version     int,
    outcome     text        NOT NULL,
    detail      text
);
CREATE INDEX event_log_model_at ON finml.event_log (model, at);

SELECT pg_catalog.pg_extension_config_dump('finml.model_owners', '');
SELECT pg_catalog.pg_extension_config_dump('finml.model_grants', '');
SELECT pg_catalog.pg_extension_config_dump('finml.deployment_history', '');
SELECT pg_catalog.pg_extension_config_dump('finml.event_log', '');

-- Every existing model belongs to the role that trained its first version; its current
-- deployment starts the history.
INSERT INTO finml.model_owners (name, owner, created_at, last_version)
SELECT DISTINCT ON (name) name, trained_by, trained_at,
       max(version) OVER (PARTITION BY name)
  FROM finml.model_versions ORDER BY name, version;
INSERT INTO finml.deployment_history (name, seq, version, deployed_at, deployed_by)
SELECT name, 1, version, deployed_at, deployed_by FROM finml.deployments;

-- True when the current role has the privileges of role_name (is it, or a member with
-- inherit, or a superuser), as PostgreSQL decides for object owners; 'public' is everyone.
CREATE FUNCTION finml.has_privileges_of(role_name name) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT role_name = 'public'
        OR EXISTS (SELECT 1 FROM pg_catalog.pg_roles r
                    WHERE r.rolname = role_name
                      AND pg_catalog.pg_has_role(current_user, r.oid, 'USAGE'))
$$;

-- May the current role deploy, retrain, drop, export and grant this model?
CREATE FUNCTION finml.can_manage(model text) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT EXISTS (SELECT 1 FROM finml.model_owners o
                    WHERE o.name = model AND finml.has_privileges_of(o.owner))
$$;

-- May the current role predict with, score with and inspect this model?
CREATE FUNCTION finml.can_use(model text) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT finml.can_manage(model)
        OR EXISTS (SELECT 1 FROM finml.model_grants g
                    WHERE g.name = model AND finml.has_privileges_of(g.grantee))
$$;

CREATE OR REPLACE VIEW finml.models WITH (security_barrier) AS
SELECT v.name, v.version, v.algorithm, v.task,
       coalesce(d.version = v.version, false) AS deployed,
       v.trained_at, v.trained_by, v.train_rows, v.test_rows, v.relation, v.target,
       v.features, v.metrics, o.owner, v.options, v.requested_features, v.imported
  FROM finml.model_versions v
  JOIN finml.model_owners o ON o.name = v.name
  LEFT JOIN finml.deployments d ON d.name = v.name
 WHERE finml.can_use(v.name)
 ORDER BY v.name, v.version;

-- Events of the models one manages, and one's own actions.
CREATE VIEW finml.events WITH (security_barrier) AS
SELECT e.at, e.role, e.action, e.model, e.version, e.outcome, e.detail
  FROM finml.event_log e
 WHERE finml.can_manage(e.model) OR finml.has_privileges_of(e.role)
 ORDER BY e.at;

REVOKE ALL ON ALL TABLES IN SCHEMA finml FROM PUBLIC;
GRANT USAGE ON SCHEMA finml TO PUBLIC;
GRANT SELECT ON finml.models, finml.events, finml.model_owners, finml.model_grants TO PUBLIC;

-- The lifecycle functions (as generated in finml--0.2.0.sql).
CREATE  FUNCTION "fin_deploy"(
	"model" TEXT, /* & str */
	"version" INT /* i32 */
) RETURNS TABLE (
	"model" TEXT,  /* String */
	"version" INT,  /* i32 */
	"previous_version" INT  /* Option < i32 > */
)
STRICT VOLATILE PARALLEL UNSAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'fin_deploy_wrapper';

CREATE  FUNCTION "fin_drop_model"(
	"model" TEXT, /* & str */
	"version" INT DEFAULT NULL /* Option < i32 > */
) RETURNS bigint /* Result < i64, ErrorReport > */
VOLATILE PARALLEL UNSAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'fin_drop_model_wrapper';

CREATE  FUNCTION "fin_export"(
	"model" TEXT, /* & str */
	"version" INT DEFAULT NULL /* Option < i32 > */
) RETURNS jsonb /* Result < JsonB, ErrorReport > */
STABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'fin_export_wrapper';

CREATE  FUNCTION "fin_grant"(
	"model" TEXT, /* & str */
	"role" TEXT /* & str */
) RETURNS VOID /* Result < (), ErrorReport > */
STRICT VOLATILE PARALLEL UNSAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'fin_grant_wrapper';

CREATE  FUNCTION "fin_import"(
	"model" TEXT, /* & str */
	"payload" jsonb, /* JsonB */
	"deploy" bool DEFAULT true /* bool */
) RETURNS INT /* Result < i32, ErrorReport > */
STRICT VOLATILE PARALLEL UNSAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'fin_import_wrapper';

CREATE  FUNCTION "fin_retrain"(
	"model" TEXT, /* & str */
	"options" jsonb DEFAULT NULL /* Option < JsonB > */
) RETURNS TABLE (
	"model" TEXT,  /* String */
	"version" INT,  /* i32 */
	"deployed" bool,  /* bool */
	"policy" TEXT,  /* String */
	"metric" TEXT,  /* String */
	"new_value" double precision,  /* Option < f64 > */
	"deployed_version" INT,  /* Option < i32 > */
	"deployed_value" double precision,  /* Option < f64 > */
	"reason" TEXT  /* String */
)
VOLATILE PARALLEL UNSAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'fin_retrain_wrapper';

CREATE  FUNCTION "fin_revoke"(
	"model" TEXT, /* & str */
	"role" TEXT /* & str */
) RETURNS VOID /* Result < (), ErrorReport > */
STRICT VOLATILE PARALLEL UNSAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'fin_revoke_wrapper';

CREATE  FUNCTION "fin_rollback"(
	"model" TEXT /* & str */
) RETURNS TABLE (
	"model" TEXT,  /* String */
	"version" INT,  /* i32 */
	"previous_version" INT  /* Option < i32 > */
)
STRICT VOLATILE PARALLEL UNSAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'fin_rollback_wrapper';

