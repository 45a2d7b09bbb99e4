\echo Use "ALTER EXTENSION finml UPDATE TO '0.3.1'" to load this file. \quit
-- finml 0.3.0 -> 0.3.1, a security release (README, "Security"):
-- - the access functions pin their search_path (a planted =(name, name) decided rights);
-- - owners and grantees are kept by role OID (regrole), not by name: a role renamed keeps
--   its models, a new role given an old name gets none; owners that no longer exist become
--   orphaned ('-'), which only superusers manage until fin_set_owner gives them an owner;
--   grants to roles that no longer exist are dropped;
-- - the training relation of every version is stored schema-qualified, resolved now with the
--   search_path of this ALTER EXTENSION, so fin_retrain no longer resolves it through the
--   caller's search_path;
-- - a dropped model's last version number is kept (finml.retired_names).
-- tests/pg_regress/sql/upgrade.sql checks that an upgraded database has exactly the schema of
-- a fresh 0.3.1 install.

DROP VIEW finml.models;
DROP VIEW finml.events;
DROP VIEW finml.training_log;
DROP FUNCTION finml.can_use(text);
DROP FUNCTION finml.can_manage(text);
DROP FUNCTION finml.has_privileges_of(name);

ALTER TABLE finml.model_owners ALTER COLUMN owner TYPE regrole
    USING coalesce(pg_catalog.to_regrole(pg_catalog.quote_ident(owner)), '-'::regrole);
DELETE FROM finml.model_grants
 WHERE grantee <> 'public' AND pg_catalog.to_regrole(pg_catalog.quote_ident(grantee)) IS NULL;
ALTER TABLE finml.model_grants ALTER COLUMN grantee TYPE regrole
    USING CASE WHEN grantee = 'public' THEN '-'::regrole
               ELSE pg_catalog.to_regrole(pg_catalog.quote_ident(grantee)) END;

UPDATE finml.model_versions v
   SET relation = pg_catalog.format('%I.%I', n.nspname, c.relname)
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE c.oid = pg_catalog.to_regclass(v.relation);

-- Names of dropped models and the last version number they reached: a model trained again
-- under a dropped name continues the numbering, so 'name@3' never means two models.
CREATE TABLE finml.retired_names (
    name         text       PRIMARY KEY,
    last_version int        NOT NULL
);
SELECT pg_catalog.pg_extension_config_dump('finml.retired_names', '');
REVOKE ALL ON finml.retired_names FROM PUBLIC;

-- The access functions run as the caller (they look at current_user) with the search_path
-- pinned: a caller's own operators and functions (a planted =(name, name), pg_has_role...)
-- never take part in an access decision.

-- True when the current role has the privileges of `role` (is it, or a member with inherit,
-- or a superuser), as PostgreSQL decides for object owners. An orphaned model's owner (OID
-- 0, or a dropped role's OID) is nobody's but a superuser's.
CREATE FUNCTION finml.has_privileges_of(role oid) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT pg_catalog.pg_has_role(role, 'USAGE')
$$;

-- May the current role deploy, retrain, drop, export and grant this model?
CREATE FUNCTION finml.can_manage(model text) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT EXISTS (SELECT 1 FROM finml.model_owners o
                    WHERE o.name = model AND finml.has_privileges_of(o.owner))
$$;

-- May the current role predict with, score with and inspect this model?
CREATE FUNCTION finml.can_use(model text) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT finml.can_manage(model)
        OR EXISTS (SELECT 1 FROM finml.model_grants g
                    WHERE g.name = model
                      AND (g.grantee::pg_catalog.oid = 0::pg_catalog.oid
                           OR finml.has_privileges_of(g.grantee)))
$$;

CREATE VIEW finml.models WITH (security_barrier) AS
SELECT v.name, v.version, v.algorithm, v.task,
       coalesce(d.version = v.version, false) AS deployed,
       v.trained_at, v.trained_by, v.train_rows, v.test_rows, v.relation, v.target,
       v.features, v.metrics, o.owner, v.options, v.requested_features, v.imported
  FROM finml.model_versions v
  JOIN finml.model_owners o ON o.name = v.name
  LEFT JOIN finml.deployments d ON d.name = v.name
 WHERE finml.can_use(v.name)
 ORDER BY v.name, v.version;

-- Events of the models one manages, and the actions of the roles one has the privileges of
-- (the log keeps role names, as history; a dropped role's are a superuser's to read).
CREATE VIEW finml.events WITH (security_barrier) AS
SELECT e.at, e.role, e.action, e.model, e.version, e.outcome, e.detail
  FROM finml.event_log e
 WHERE finml.can_manage(e.model)
    OR finml.has_privileges_of(coalesce(pg_catalog.to_regrole(pg_catalog.quote_ident(e.role))::oid,
                                        0::oid))
 ORDER BY e.at;

-- The training log of the MLP versions the current role may use.
CREATE VIEW finml.training_log WITH (security_barrier) AS
SELECT t.model, t.version, t.epoch, t.train_loss, t.valid_loss, t.seconds
  FROM finml.training_epochs t
 WHERE finml.can_use(t.model)
 ORDER BY t.model, t.version, t.epoch;

GRANT SELECT ON finml.models, finml.events, finml.training_log TO PUBLIC;

CREATE  FUNCTION "fin_set_owner"(
	"model" TEXT,
	"role" TEXT
) RETURNS void
STRICT VOLATILE PARALLEL UNSAFE
LANGUAGE c
AS 'MODULE_PATHNAME', 'fin_set_owner_wrapper';
