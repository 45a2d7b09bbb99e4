-- finml's catalog: every model, who owns it and who may use it, every trained version, which
-- version is deployed and was deployed before, and an audit log. All tables are registered
-- with pg_extension_config_dump, so pg_dump/pg_restore keep them; the views and functions are
-- recreated by CREATE EXTENSION.
--
-- The tables are private to the extension's owner: finml's functions check the caller's
-- rights on the model (finml.can_use / finml.can_manage) and then read or write the tables on
-- the caller's behalf. Users read the views, which show only the models they may use.
-- (Column order matters: finml--0.1.0--0.2.0.sql reaches the same tables by ALTER TABLE ADD.)
CREATE SCHEMA finml;

CREATE TABLE finml.model_versions (
    name        text        NOT NULL CHECK (name <> '' AND strpos(name, '@') = 0),
    version     int         NOT NULL CHECK (version > 0),
    algorithm   text        NOT NULL,
    task        text        NOT NULL CHECK (task IN ('classification', 'regression', 'clustering', 'anomaly_detection', 'survival')),
    relation    text        NOT NULL,   -- as regclass::text at training time
    target      text,                   -- NULL for an unsupervised model (clustering, anomaly_detection)
    features    text[]      NOT NULL,   -- the features the model uses
    options     jsonb       NOT NULL,
    trained_at  timestamptz NOT NULL DEFAULT now(),
    trained_by  name        NOT NULL DEFAULT current_user,
    train_rows  bigint      NOT NULL,
    test_rows   bigint      NOT NULL,
    metrics     jsonb       NOT NULL,
    coefficients jsonb,                 -- documentation; predict reads only "model"
    model       bytea       NOT NULL,   -- the serialized model, see models/README.md
    requested_features text[],          -- fin_train's features argument (NULL: all columns)
    imported    jsonb,                  -- for fin_import: where the version came from
    classes     text[],                 -- a classifier's classes in the order of fin_predict_proba
                                        -- (since 0.11.0; NULL for other models)
    PRIMARY KEY (name, version)
);

CREATE TABLE finml.deployments (
    name        text        PRIMARY KEY,
    version     int         NOT NULL,
    deployed_at timestamptz NOT NULL DEFAULT now(),
    deployed_by name        NOT NULL DEFAULT current_user
);

-- A model belongs to the role that first trained (or imported) it. Roles are kept by OID
-- (regrole: pg_dump writes the name, pg_restore and pg_upgrade keep the role): renaming the
-- role keeps its models, and a new role given an old name gets none of them. A dropped
-- owner's models are orphaned ('-', OID 0): only superusers manage them, until one gives
-- them an owner with fin_set_owner.
CREATE TABLE finml.model_owners (
    name        text        PRIMARY KEY CHECK (name <> '' AND strpos(name, '@') = 0),
    owner       regrole     NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    -- versions are never numbered twice, even after fin_drop_model: 'name@3' is one model
    last_version int        NOT NULL DEFAULT 0
);

-- Roles the owner allowed to use a model (predict, score, inspect), by OID; '-' (OID 0) is
-- PUBLIC, every role (as in aclitem).
CREATE TABLE finml.model_grants (
    name        text        NOT NULL,
    grantee     regrole     NOT NULL,
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
    detail      text,
    -- The ledger (since 0.12.0): the event's place and a SHA-256 over the previous event's
    -- hash and its own content (finml.event_hash), both set at commit by the trigger
    -- event_log_seal (pg/ledger.rs); fin_verify_log recomputes the chain.
    seq         bigint      UNIQUE,
    hash        bytea
);
CREATE INDEX event_log_model_at ON finml.event_log (model, at);

-- The ledger's lock: its one row is locked (never changed) while an event is sealed, so that
-- events are chained in commit order. A row lock needs UPDATE on the table, which no role but
-- the owner has (an advisory lock could be held by any role).
CREATE TABLE finml.ledger_lock (
    one         boolean     PRIMARY KEY DEFAULT true CHECK (one)
);
INSERT INTO finml.ledger_lock DEFAULT VALUES;

-- The ledger's hash of one event: SHA-256 over the previous event's hash (none before the
-- first) and the event's fields, each written as its length and text (NULL as '-', so that no
-- field's text can pass for another's), the time as seconds since the epoch (no DateStyle or
-- TimeZone changes it).
CREATE FUNCTION finml.event_hash(previous bytea, seq bigint, at timestamptz, role name,
                                 action text, model text, version int, outcome text,
                                 detail text) RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT pg_catalog.sha256(coalesce(previous, ''::pg_catalog.bytea)
             OPERATOR(pg_catalog.||) pg_catalog.convert_to(pg_catalog.string_agg(
               coalesce(pg_catalog.length(f)::pg_catalog.text OPERATOR(pg_catalog.||) ':'
                                   OPERATOR(pg_catalog.||) f, '-'), '|' ORDER BY i), 'UTF8'))
      FROM pg_catalog.unnest(ARRAY[seq::pg_catalog.text,
                                   EXTRACT(epoch FROM at)::pg_catalog.text,
                                   role::pg_catalog.text, action, model,
                                   version::pg_catalog.text, outcome, detail])
           WITH ORDINALITY AS u(f, i)
$$;

-- One row per epoch of each MLP training (read through the view finml.training_log).
CREATE TABLE finml.training_epochs (
    model       text        NOT NULL,
    version     int         NOT NULL,
    epoch       int         NOT NULL CHECK (epoch > 0),
    train_loss  float8      NOT NULL,
    valid_loss  float8,                 -- with early_stopping only
    seconds     float8      NOT NULL,
    PRIMARY KEY (model, version, epoch),
    rows_added  bigint                  -- self-training: the round's newly labelled rows
);

-- Names of dropped models and the last version number they reached: a model trained again
-- under a dropped name continues the numbering, so 'name@3' never means two models.
CREATE TABLE finml.retired_names (
    name         text       PRIMARY KEY,
    last_version int        NOT NULL
);

-- fin_monitor's stored history (fin_monitor(..., options => '{"store": true}')): one row per
-- model version, monitored relation and period; a later run over the same period replaces it.
-- Read through the view finml.monitoring.
CREATE TABLE finml.monitoring_log (
    model        text        NOT NULL,
    version      int         NOT NULL,
    relation     text        NOT NULL,
    period       text        NOT NULL,
    rows         bigint      NOT NULL,
    labelled_rows bigint     NOT NULL,
    event_rate   float8,
    mean_predicted float8    NOT NULL,
    auc          float8,
    ks           float8,
    gini         float8,
    brier        float8,
    hosmer_lemeshow_p float8,
    psi          float8      NOT NULL,
    max_csi_feature text,
    max_csi      float8,
    status       text        NOT NULL CHECK (status IN ('stable', 'watch', 'shifted')),
    run_at       timestamptz NOT NULL,
    run_by       name        NOT NULL,
    PRIMARY KEY (model, version, relation, period)
);

-- Every trial of each fin_tune search, for the version it chose (read through the view
-- finml.trials).
CREATE TABLE finml.tuning_trials (
    model       text        NOT NULL,
    version     int         NOT NULL,
    trial       int         NOT NULL CHECK (trial > 0),
    options     jsonb       NOT NULL,   -- the searched options' values
    metric      text        NOT NULL,
    folds       int         NOT NULL,
    mean        float8      NOT NULL,
    std         float8      NOT NULL,
    seconds     float8      NOT NULL,
    chosen      boolean     NOT NULL,
    PRIMARY KEY (model, version, trial)
);

-- Four-eyes approval (since 0.13.0; pg/approval.rs): one row per version stored since, with
-- who trained it (the role, and the session's login role: a developer who SET ROLE to train is
-- still its developer) and the validator's decision. Under finml.require_approval a version is
-- deployed only once 'approved', by a member of finml.validator_role other than its developer.
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

-- Each model's card (fin_describe): purpose, intended use, owner team, risk tier, limitations,
-- validation status, retirement, and any other key its owner keeps.
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

SELECT pg_catalog.pg_extension_config_dump('finml.model_versions', '');
SELECT pg_catalog.pg_extension_config_dump('finml.deployments', '');
SELECT pg_catalog.pg_extension_config_dump('finml.model_owners', '');
SELECT pg_catalog.pg_extension_config_dump('finml.model_grants', '');
SELECT pg_catalog.pg_extension_config_dump('finml.deployment_history', '');
SELECT pg_catalog.pg_extension_config_dump('finml.event_log', '');
SELECT pg_catalog.pg_extension_config_dump('finml.training_epochs', '');
SELECT pg_catalog.pg_extension_config_dump('finml.retired_names', '');
SELECT pg_catalog.pg_extension_config_dump('finml.monitoring_log', '');
SELECT pg_catalog.pg_extension_config_dump('finml.tuning_trials', '');
SELECT pg_catalog.pg_extension_config_dump('finml.approvals', '');
SELECT pg_catalog.pg_extension_config_dump('finml.model_cards', '');
SELECT pg_catalog.pg_extension_config_dump('finml.samples', '');

-- What fin_score_row returns for one row (and fin_score_table writes).
CREATE TYPE finml.scored_row AS (
    prediction  float8,     -- the probability of the positive class, or the regression value
    score       int,        -- a scorecard's points
    reasons     text[],     -- the principal reason codes, most important first
    decision    text        -- the class decided at the cutoff
);

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

-- Events of the models one manages, and the actions of the roles one has the privileges of
-- (the log keeps role names, as history; a dropped role's are a superuser's to read).
CREATE VIEW finml.events WITH (security_barrier) AS
SELECT e.at, e.role, e.action, e.model, e.version, e.outcome, e.detail, e.seq, e.hash
  FROM finml.event_log e
 WHERE finml.can_manage(e.model)
    OR finml.has_privileges_of(coalesce(pg_catalog.to_regrole(pg_catalog.quote_ident(e.role))::oid,
                                        0::oid))
 ORDER BY e.seq NULLS LAST, e.at;

-- The training log of the MLP versions the current role may use.
CREATE VIEW finml.training_log WITH (security_barrier) AS
SELECT t.model, t.version, t.epoch, t.train_loss, t.valid_loss, t.seconds, t.rows_added
  FROM finml.training_epochs t
 WHERE finml.can_use(t.model)
 ORDER BY t.model, t.version, t.epoch;

-- The monitoring history of the models the current role may use.
CREATE VIEW finml.monitoring WITH (security_barrier) AS
SELECT m.model, m.version, m.relation, m.period, m.rows, m.labelled_rows, m.event_rate,
       m.mean_predicted, m.auc, m.ks, m.gini, m.brier, m.hosmer_lemeshow_p, m.psi,
       m.max_csi_feature, m.max_csi, m.status, m.run_at, m.run_by
  FROM finml.monitoring_log m
 WHERE finml.can_use(m.model)
 ORDER BY m.model, m.version, m.relation, m.period;

-- The search trials of the model versions the current role may use.
CREATE VIEW finml.trials WITH (security_barrier) AS
SELECT t.model, t.version, t.trial, t.options, t.metric, t.folds, t.mean, t.std, t.seconds,
       t.chosen
  FROM finml.tuning_trials t
 WHERE finml.can_use(t.model)
 ORDER BY t.model, t.version, t.trial;

REVOKE ALL ON ALL TABLES IN SCHEMA finml FROM PUBLIC;
GRANT USAGE ON SCHEMA finml TO PUBLIC;
GRANT SELECT ON finml.models, finml.events, finml.training_log, finml.monitoring, finml.trials,
                finml.inventory, finml.model_owners,
                finml.model_grants TO PUBLIC;
