-- Everything that makes up finml's schema in the current database, one sorted row per object:
-- functions (signature, result, symbol, volatility, parallel safety, strictness, security, cost,
-- pinned settings, privileges), tables and views (kind, privileges, options), columns (position, type, NOT NULL,
-- default), constraints, indexes, triggers, view definitions, the tables pg_dump keeps, the schema's
-- privileges, every function's, table's and view's comment and the schema's. upgrade.sql
-- compares it between an upgraded and a fresh database.
SELECT 'function' AS kind, p.oid::regprocedure::text AS object,
       concat_ws(' | ', pg_get_function_result(p.oid), pg_get_function_arguments(p.oid),
                 p.prosrc, p.probin, p.provolatile, p.proparallel, p.proisstrict, p.prosecdef,
                 p.procost,
                 p.proconfig::text,
                 coalesce(p.proacl::text, 'default acl')) AS definition
  FROM pg_proc p
  JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
 WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'finml')
UNION ALL
SELECT 'relation', c.relname,
       concat_ws(' | ', c.relkind, coalesce(c.relacl::text, 'default acl'), c.reloptions::text,
                 c.relrowsecurity)
  FROM pg_class c WHERE c.relnamespace = 'finml'::regnamespace
UNION ALL
SELECT 'column', c.relname || '.' || a.attname,
       concat_ws(' | ', a.attnum, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull,
                 pg_get_expr(ad.adbin, ad.adrelid))
  FROM pg_class c
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_attrdef ad ON ad.adrelid = c.oid AND ad.adnum = a.attnum
 WHERE c.relnamespace = 'finml'::regnamespace
UNION ALL
-- NOT NULL is a column's (above); PostgreSQL 18 also records it here, as contype 'n'.
SELECT 'constraint', conrelid::regclass::text || '.' || conname, pg_get_constraintdef(oid)
  FROM pg_constraint WHERE connamespace = 'finml'::regnamespace AND contype <> 'n'
UNION ALL
SELECT 'index', indexrelid::regclass::text, pg_get_indexdef(indexrelid)
  FROM pg_index WHERE indrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'finml'::regnamespace)
UNION ALL
SELECT 'trigger', tgrelid::regclass::text || '.' || tgname, pg_get_triggerdef(oid)
  FROM pg_trigger
 WHERE NOT tgisinternal AND tgrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'finml'::regnamespace)
UNION ALL
SELECT 'view', c.oid::regclass::text, pg_get_viewdef(c.oid)
  FROM pg_class c WHERE c.relnamespace = 'finml'::regnamespace AND c.relkind = 'v'
UNION ALL
SELECT 'dumped', unnest(extconfig)::regclass::text, '' FROM pg_extension WHERE extname = 'finml'
UNION ALL
SELECT 'schema', nspname, coalesce(nspacl::text, 'default acl') FROM pg_namespace WHERE nspname = 'finml'
UNION ALL
SELECT 'comment', p.oid::regprocedure::text, coalesce(obj_description(p.oid, 'pg_proc'), 'none')
  FROM pg_proc p
  JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
 WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'finml')
UNION ALL
SELECT 'comment', c.oid::regclass::text, coalesce(obj_description(c.oid, 'pg_class'), 'none')
  FROM pg_class c WHERE c.relnamespace = 'finml'::regnamespace AND c.relkind IN ('r', 'v')
UNION ALL
SELECT 'comment', 'schema finml', coalesce(obj_description('finml'::regnamespace, 'pg_namespace'), 'none')
ORDER BY 1, 2;
