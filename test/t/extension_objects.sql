-- test/t/extension_objects.sql: every object of the extension health_score,
-- with its definition, as text that two databases can be diffed by.
--
-- The objects are the extension's members (pg_depend, deptype 'e'), whatever
-- else lives in the schema health_score (the rows of the catalog tables are
-- data, not objects, and are left out), the casts, operators and event
-- triggers over them, the parts of each (columns, constraints, policies,
-- triggers, rules), the schema itself and the extension's own row.  Objects a
-- user built on top (a model's schema, a view over an aggregate) are in
-- neither set, so a database that has been used lists the same as a fresh one.
--
-- One line per property of an object:  <object> TAB <property>: <value>.
-- <object> is pg_identify_object's type and identity (no OIDs, so the same
-- object has the same name in every database); a value of several lines (a
-- function's or view's definition) gives one line each, in order.  NULL
-- properties are left out.  Nothing depends on the order objects were made
-- in: ACLs are listed sorted, with the owner's default in place of NULL;
-- columns are numbered in their visible order, dropped columns skipped; the
-- output is sorted in collation "C".  Run both databases as the same user.
--
--   psql -X -q -A -t -v ON_ERROR_STOP=1 -d DB -f test/t/extension_objects.sql
--
-- The number of objects listed: `cut -f1 | sort -u | wc -l` of the output.

-- names of objects outside pg_catalog come out schema-qualified
SET search_path = pg_catalog, pg_temp;

WITH
ext AS (
    SELECT e.* FROM pg_extension AS e WHERE e.extname = 'health_score'
),
hs AS (
    SELECT n.oid FROM pg_namespace AS n WHERE n.nspname = 'health_score'
),
members AS (
    SELECT d.classid, d.objid
      FROM pg_depend AS d, ext
     WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = ext.oid AND d.deptype = 'e'
),
-- whole objects: the members and what schema health_score holds
top (classid, objid) AS (
    SELECT classid, objid FROM members
    UNION
    SELECT 'pg_extension'::regclass, oid FROM ext
    UNION
    SELECT 'pg_namespace'::regclass, oid FROM hs
    UNION
    -- a composite type's relation is listed as the type
    SELECT 'pg_class'::regclass, c.oid FROM pg_class AS c, hs
     WHERE c.relnamespace = hs.oid AND c.relkind <> 'c'
    UNION
    SELECT 'pg_proc'::regclass, p.oid FROM pg_proc AS p, hs WHERE p.pronamespace = hs.oid
    UNION
    -- not the array types and row types made along with a type or a table:
    -- they are properties of those
    SELECT 'pg_type'::regclass, t.oid FROM pg_type AS t, hs
     WHERE t.typnamespace = hs.oid
       AND NOT EXISTS (SELECT FROM pg_type AS e WHERE e.typarray = t.oid)
       AND (t.typrelid = 0 OR (SELECT c.relkind FROM pg_class AS c WHERE c.oid = t.typrelid) = 'c')
    UNION
    SELECT 'pg_operator'::regclass, o.oid FROM pg_operator AS o, hs WHERE o.oprnamespace = hs.oid
    UNION
    SELECT 'pg_opclass'::regclass, o.oid FROM pg_opclass AS o, hs WHERE o.opcnamespace = hs.oid
    UNION
    SELECT 'pg_opfamily'::regclass, o.oid FROM pg_opfamily AS o, hs WHERE o.opfnamespace = hs.oid
    UNION
    SELECT 'pg_collation'::regclass, o.oid FROM pg_collation AS o, hs WHERE o.collnamespace = hs.oid
    UNION
    SELECT 'pg_conversion'::regclass, o.oid FROM pg_conversion AS o, hs WHERE o.connamespace = hs.oid
    UNION
    SELECT 'pg_statistic_ext'::regclass, o.oid FROM pg_statistic_ext AS o, hs WHERE o.stxnamespace = hs.oid
    UNION
    SELECT 'pg_ts_config'::regclass, o.oid FROM pg_ts_config AS o, hs WHERE o.cfgnamespace = hs.oid
    UNION
    SELECT 'pg_ts_dict'::regclass, o.oid FROM pg_ts_dict AS o, hs WHERE o.dictnamespace = hs.oid
    UNION
    SELECT 'pg_ts_parser'::regclass, o.oid FROM pg_ts_parser AS o, hs WHERE o.prsnamespace = hs.oid
    UNION
    SELECT 'pg_ts_template'::regclass, o.oid FROM pg_ts_template AS o, hs WHERE o.tmplnamespace = hs.oid
    UNION
    SELECT 'pg_default_acl'::regclass, o.oid FROM pg_default_acl AS o, hs WHERE o.defaclnamespace = hs.oid
    UNION
    SELECT 'pg_cast'::regclass, c.oid FROM pg_cast AS c, hs
     WHERE hs.oid IN ((SELECT typnamespace FROM pg_type WHERE oid = c.castsource),
                      (SELECT typnamespace FROM pg_type WHERE oid = c.casttarget),
                      (SELECT pronamespace FROM pg_proc WHERE oid = c.castfunc))
    UNION
    SELECT 'pg_event_trigger'::regclass, t.oid FROM pg_event_trigger AS t, hs
     WHERE (SELECT pronamespace FROM pg_proc WHERE oid = t.evtfoid) = hs.oid
),
-- the relations whose parts are listed: the tables, views, sequences and
-- indexes above, and the relations of the composite types above
rels AS (
    SELECT objid AS oid FROM top WHERE classid = 'pg_class'::regclass
    UNION
    SELECT t.typrelid FROM top JOIN pg_type AS t ON t.oid = top.objid
     WHERE top.classid = 'pg_type'::regclass AND t.typrelid <> 0
),
-- the parts: (classid, objid, objsubid) as pg_depend and pg_description name
-- them; an index's columns are in its definition, a sequence's are always the same
parts (classid, objid, objsubid) AS (
    SELECT 'pg_class'::regclass::oid, a.attrelid, a.attnum::integer
      FROM pg_attribute AS a JOIN rels ON rels.oid = a.attrelid
     WHERE a.attnum > 0 AND NOT a.attisdropped
       AND (SELECT c.relkind FROM pg_class AS c WHERE c.oid = a.attrelid) NOT IN ('i', 'I', 'S')
    UNION ALL
    SELECT 'pg_constraint'::regclass, c.oid, 0 FROM pg_constraint AS c
     WHERE c.conrelid IN (SELECT oid FROM rels)
        OR c.contypid IN (SELECT objid FROM top WHERE classid = 'pg_type'::regclass)
    UNION ALL
    SELECT 'pg_policy'::regclass, p.oid, 0 FROM pg_policy AS p WHERE p.polrelid IN (SELECT oid FROM rels)
    UNION ALL
    SELECT 'pg_trigger'::regclass, t.oid, 0 FROM pg_trigger AS t
     WHERE t.tgrelid IN (SELECT oid FROM rels) AND NOT t.tgisinternal
    UNION ALL
    SELECT 'pg_rewrite'::regclass, r.oid, 0 FROM pg_rewrite AS r
     WHERE r.ev_class IN (SELECT oid FROM rels) AND r.rulename <> '_RETURN'
),
objs AS (
    SELECT o.classid, o.objid, o.objsubid, i.type || ' ' || i.identity AS obj, o.objsubid = 0 AND o.is_top AS is_top
      FROM (SELECT classid::oid, objid, 0 AS objsubid, true AS is_top FROM top
            UNION ALL
            SELECT classid, objid, objsubid, false FROM parts) AS o,
           pg_identify_object(o.classid, o.objid, o.objsubid) AS i
),
-- (object, rank, property, value): rank orders an object's properties
props (obj, rank, prop, value) AS (
    --------------------------------------------------------------- every object
    SELECT o.obj, 0, 'extension member', (EXISTS (SELECT FROM members AS m
                                                  WHERE m.classid = o.classid AND m.objid = o.objid))::text
      FROM objs AS o WHERE o.is_top AND o.classid <> 'pg_extension'::regclass
    UNION ALL
    SELECT o.obj, 80, 'comment', d.description
      FROM objs AS o JOIN pg_description AS d
           ON d.classoid = o.classid AND d.objoid = o.objid AND d.objsubid = o.objsubid
    UNION ALL
    SELECT o.obj, 81, 'security label ' || s.provider, s.label
      FROM objs AS o JOIN pg_seclabel AS s
           ON s.classoid = o.classid AND s.objoid = o.objid AND s.objsubid = o.objsubid
    UNION ALL
    -- what pg_dump takes for the extension's own privileges
    SELECT o.obj, 71, 'initial privileges (' || ip.privtype::text || ')',
           (SELECT string_agg(a::text, ' ' ORDER BY a::text COLLATE "C") FROM unnest(ip.initprivs) AS a)
      FROM objs AS o JOIN pg_init_privs AS ip
           ON ip.classoid = o.classid AND ip.objoid = o.objid AND ip.objsubid = o.objsubid
    ------------------------------------------------------------- the extension
    UNION ALL
    SELECT o.obj, 1, p.prop, p.value
      FROM objs AS o JOIN ext ON o.classid = 'pg_extension'::regclass AND o.objid = ext.oid,
           LATERAL (VALUES ('version', ext.extversion),
                           ('owner', pg_get_userbyid(ext.extowner)),
                           ('schema', ext.extnamespace::regnamespace::text),
                           ('relocatable', ext.extrelocatable::text)) AS p (prop, value)
    UNION ALL
    -- configuration tables, by name, each with its pg_dump condition
    SELECT o.obj, 2, 'configuration table', c.tab::regclass::text || ' WHERE ' || quote_literal(c.cond)
      FROM objs AS o JOIN ext ON o.classid = 'pg_extension'::regclass AND o.objid = ext.oid,
           unnest(ext.extconfig, ext.extcondition) AS c (tab, cond)
    UNION ALL
    SELECT o.obj, 2, 'configuration', 'extconfig and extcondition differ in length'
      FROM objs AS o JOIN ext ON o.classid = 'pg_extension'::regclass AND o.objid = ext.oid
     WHERE cardinality(ext.extconfig) IS DISTINCT FROM cardinality(ext.extcondition)
    ---------------------------------------------------------------- the schema
    UNION ALL
    SELECT o.obj, 1, p.prop, p.value
      FROM objs AS o JOIN pg_namespace AS n ON o.classid = 'pg_namespace'::regclass AND o.objid = n.oid,
           LATERAL (VALUES ('owner', pg_get_userbyid(n.nspowner)),
                           ('privileges', (SELECT string_agg(a::text, ' ' ORDER BY a::text COLLATE "C")
                                             FROM unnest(coalesce(n.nspacl, acldefault('n', n.nspowner))) AS a))
                   ) AS p (prop, value)
    ------------------------------------------- functions, procedures, aggregates
    UNION ALL
    SELECT o.obj, 1, p.prop, p.value
      FROM objs AS o JOIN pg_proc AS f ON o.classid = 'pg_proc'::regclass AND o.objid = f.oid,
           LATERAL (VALUES ('kind', f.prokind::text),
                           ('owner', pg_get_userbyid(f.proowner)),
                           ('privileges', (SELECT string_agg(a::text, ' ' ORDER BY a::text COLLATE "C")
                                             FROM unnest(coalesce(f.proacl, acldefault('f', f.proowner))) AS a)),
                           ('language', (SELECT l.lanname::text FROM pg_language AS l WHERE l.oid = f.prolang)),
                           ('arguments', pg_get_function_arguments(f.oid)),
                           ('result', pg_get_function_result(f.oid)),
                           ('volatility', f.provolatile::text),
                           ('parallel', f.proparallel::text),
                           ('strict', f.proisstrict::text),
                           ('security definer', f.prosecdef::text),
                           ('leakproof', f.proleakproof::text),
                           ('cost', f.procost::text),
                           ('rows', f.prorows::text),
                           ('support', f.prosupport::regprocedure::text),
                           ('settings', array_to_string(f.proconfig, ' '))) AS p (prop, value)
    UNION ALL
    SELECT o.obj, 10, 'definition', pg_get_functiondef(f.oid)
      FROM objs AS o JOIN pg_proc AS f ON o.classid = 'pg_proc'::regclass AND o.objid = f.oid
     WHERE f.prokind <> 'a'
    UNION ALL
    SELECT o.obj, 11, 'aggregate ' || p.prop, p.value
      FROM objs AS o JOIN pg_aggregate AS g ON o.classid = 'pg_proc'::regclass AND o.objid = g.aggfnoid,
           LATERAL (VALUES ('kind', g.aggkind::text),
                           ('direct arguments', g.aggnumdirectargs::text),
                           ('transfn', g.aggtransfn::regprocedure::text),
                           ('finalfn', g.aggfinalfn::regprocedure::text),
                           ('combinefn', g.aggcombinefn::regprocedure::text),
                           ('serialfn', g.aggserialfn::regprocedure::text),
                           ('deserialfn', g.aggdeserialfn::regprocedure::text),
                           ('mtransfn', g.aggmtransfn::regprocedure::text),
                           ('minvtransfn', g.aggminvtransfn::regprocedure::text),
                           ('mfinalfn', g.aggmfinalfn::regprocedure::text),
                           ('finalextra', g.aggfinalextra::text),
                           ('mfinalextra', g.aggmfinalextra::text),
                           ('finalmodify', g.aggfinalmodify::text),
                           ('mfinalmodify', g.aggmfinalmodify::text),
                           ('sortop', g.aggsortop::regoperator::text),
                           ('stype', format_type(g.aggtranstype, NULL)),
                           ('sspace', g.aggtransspace::text),
                           ('mstype', format_type(nullif(g.aggmtranstype, 0), NULL)),
                           ('msspace', g.aggmtransspace::text),
                           ('initval', g.agginitval),
                           ('minitval', g.aggminitval)) AS p (prop, value)
    --------------------------------------------------------------------- types
    UNION ALL
    SELECT o.obj, 1, p.prop, p.value
      FROM objs AS o JOIN pg_type AS t ON o.classid = 'pg_type'::regclass AND o.objid = t.oid,
           LATERAL (VALUES ('kind', t.typtype::text),
                           ('defined', t.typisdefined::text),
                           ('owner', pg_get_userbyid(t.typowner)),
                           ('privileges', (SELECT string_agg(a::text, ' ' ORDER BY a::text COLLATE "C")
                                             FROM unnest(coalesce(t.typacl, acldefault('T', t.typowner))) AS a)),
                           ('category', t.typcategory::text),
                           ('preferred', t.typispreferred::text),
                           ('length', t.typlen::text),
                           ('by value', t.typbyval::text),
                           ('alignment', t.typalign::text),
                           ('storage', t.typstorage::text),
                           ('delimiter', t.typdelim::text),
                           ('input', t.typinput::regprocedure::text),
                           ('output', t.typoutput::regprocedure::text),
                           ('receive', t.typreceive::regprocedure::text),
                           ('send', t.typsend::regprocedure::text),
                           ('typmod in', t.typmodin::regprocedure::text),
                           ('typmod out', t.typmodout::regprocedure::text),
                           ('analyze', t.typanalyze::regprocedure::text),
                           ('subscript', t.typsubscript::regprocedure::text),
                           ('element', format_type(nullif(t.typelem, 0), NULL)),
                           ('array type', format_type(nullif(t.typarray, 0), NULL)),
                           ('base type', format_type(nullif(t.typbasetype, 0), t.typtypmod)),
                           ('not null', t.typnotnull::text),
                           ('dimensions', t.typndims::text),
                           ('collation', (SELECT c.oid::regcollation::text FROM pg_collation AS c WHERE c.oid = t.typcollation)),
                           ('default', t.typdefault),
                           ('enum labels', (SELECT string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder)
                                              FROM pg_enum AS e WHERE e.enumtypid = t.oid))) AS p (prop, value)
    UNION ALL
    SELECT o.obj, 2, 'range ' || p.prop, p.value
      FROM objs AS o JOIN pg_range AS r ON o.classid = 'pg_type'::regclass AND o.objid = r.rngtypid,
           LATERAL (VALUES ('subtype', format_type(r.rngsubtype, NULL)),
                           ('multirange', format_type(r.rngmultitypid, NULL)),
                           ('collation', r.rngcollation::regcollation::text),
                           ('subtype opclass', (SELECT c.opcname::text FROM pg_opclass AS c WHERE c.oid = r.rngsubopc)),
                           ('canonical', r.rngcanonical::regprocedure::text),
                           ('subtype diff', r.rngsubdiff::regprocedure::text)) AS p (prop, value)
    ----------------------------------- tables, views, sequences, indexes
    UNION ALL
    SELECT o.obj, 1, p.prop, p.value
      FROM objs AS o JOIN pg_class AS c ON o.classid = 'pg_class'::regclass AND o.objid = c.oid AND o.objsubid = 0,
           LATERAL (VALUES ('kind', c.relkind::text),
                           ('owner', pg_get_userbyid(c.relowner)),
                           ('privileges', (SELECT string_agg(a::text, ' ' ORDER BY a::text COLLATE "C")
                                             FROM unnest(coalesce(c.relacl, acldefault(CASE c.relkind WHEN 'S' THEN 's' ELSE 'r' END::"char",
                                                                                         c.relowner))) AS a
                                            WHERE c.relkind NOT IN ('i', 'I'))),
                           ('persistence', c.relpersistence::text),
                           ('access method', (SELECT a.amname::text FROM pg_am AS a WHERE a.oid = c.relam)),
                           ('tablespace', (SELECT s.spcname::text FROM pg_tablespace AS s WHERE s.oid = c.reltablespace)),
                           ('options', (SELECT string_agg(r, ', ' ORDER BY r COLLATE "C") FROM unnest(c.reloptions) AS r)),
                           ('row level security', CASE WHEN c.relkind IN ('r', 'p') THEN c.relrowsecurity::text END),
                           ('force row level security', CASE WHEN c.relkind IN ('r', 'p') THEN c.relforcerowsecurity::text END),
                           ('replica identity', CASE WHEN c.relkind IN ('r', 'p', 'm') THEN c.relreplident::text END),
                           ('partition key', CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END),
                           ('partition of', (SELECT string_agg(i.inhparent::regclass::text, ', ' ORDER BY i.inhseqno)
                                               FROM pg_inherits AS i WHERE i.inhrelid = c.oid)),
                           ('partition bound', pg_get_expr(c.relpartbound, c.oid)),
                           ('row type', format_type(nullif(c.reloftype, 0), NULL))) AS p (prop, value)
    UNION ALL
    SELECT o.obj, 10, 'definition', pg_get_viewdef(c.oid)
      FROM objs AS o JOIN pg_class AS c ON o.classid = 'pg_class'::regclass AND o.objid = c.oid AND o.objsubid = 0
     WHERE c.relkind IN ('v', 'm')
    UNION ALL
    SELECT o.obj, 10, p.prop, p.value
      FROM objs AS o JOIN pg_index AS x ON o.classid = 'pg_class'::regclass AND o.objid = x.indexrelid AND o.objsubid = 0,
           LATERAL (VALUES ('definition', pg_get_indexdef(x.indexrelid)),
                           ('clustered', x.indisclustered::text),
                           ('replica identity', x.indisreplident::text)) AS p (prop, value)
    UNION ALL
    SELECT o.obj, 10, 'sequence ' || p.prop, p.value
      FROM objs AS o JOIN pg_sequence AS s ON o.classid = 'pg_class'::regclass AND o.objid = s.seqrelid AND o.objsubid = 0,
           LATERAL (VALUES ('type', format_type(s.seqtypid, NULL)),
                           ('start', s.seqstart::text),
                           ('increment', s.seqincrement::text),
                           ('min', s.seqmin::text),
                           ('max', s.seqmax::text),
                           ('cache', s.seqcache::text),
                           ('cycle', s.seqcycle::text),
                           ('owned by', (SELECT pg_describe_object(d.refclassid, d.refobjid, d.refobjsubid)
                                           FROM pg_depend AS d
                                          WHERE d.classid = 'pg_class'::regclass AND d.objid = s.seqrelid
                                            AND d.refobjsubid > 0 AND d.deptype IN ('a', 'i')))) AS p (prop, value)
    ------------------------------------------- columns, in their visible order
    UNION ALL
    SELECT o.obj, 1, p.prop, p.value
      FROM objs AS o
           JOIN (SELECT a.*, row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum) AS position
                   FROM pg_attribute AS a
                  WHERE a.attrelid IN (SELECT oid FROM rels) AND a.attnum > 0 AND NOT a.attisdropped) AS a
             ON o.classid = 'pg_class'::regclass AND o.objid = a.attrelid AND o.objsubid = a.attnum,
           LATERAL (VALUES ('position', a.position::text),
                           ('type', format_type(a.atttypid, a.atttypmod)),
                           ('not null', a.attnotnull::text),
                           ('default', (SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef AS d
                                         WHERE d.adrelid = a.attrelid AND d.adnum = a.attnum)),
                           ('identity', nullif(a.attidentity, '')::text),
                           ('generated', nullif(a.attgenerated, '')::text),
                           ('collation', (SELECT c.oid::regcollation::text FROM pg_collation AS c WHERE c.oid = a.attcollation)),
                           ('storage', a.attstorage::text),
                           ('compression', nullif(a.attcompression, '')::text),
                           ('statistics target', nullif(a.attstattarget, -1)::text),
                           -- this server stamps each column with an option pg_attver
                           -- whose value differs from one CREATE to the next
                           ('options', (SELECT string_agg(r, ', ' ORDER BY r COLLATE "C") FROM unnest(a.attoptions) AS r
                                         WHERE r NOT LIKE 'pg\_attver=%')),
                           ('privileges', (SELECT string_agg(x::text, ' ' ORDER BY x::text COLLATE "C")
                                             FROM unnest(a.attacl) AS x))) AS p (prop, value)
    ------------------------------------- constraints, policies, triggers, rules
    UNION ALL
    SELECT o.obj, 1, p.prop, p.value
      FROM objs AS o JOIN pg_constraint AS c ON o.classid = 'pg_constraint'::regclass AND o.objid = c.oid,
           LATERAL (VALUES ('type', c.contype::text),
                           ('definition', pg_get_constraintdef(c.oid)),
                           ('index', nullif(c.conindid, 0)::regclass::text)) AS p (prop, value)
    UNION ALL
    SELECT o.obj, 1, p.prop, p.value
      FROM objs AS o JOIN pg_policy AS y ON o.classid = 'pg_policy'::regclass AND o.objid = y.oid,
           LATERAL (VALUES ('command', CASE y.polcmd WHEN '*' THEN 'ALL' WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT'
                                                     WHEN 'w' THEN 'UPDATE' WHEN 'd' THEN 'DELETE' END),
                           ('permissive', y.polpermissive::text),
                           ('roles', (SELECT string_agg(r.name, ', ' ORDER BY r.name COLLATE "C")
                                        FROM (SELECT CASE WHEN u = 0 THEN 'public' ELSE pg_get_userbyid(u)::text END
                                                FROM unnest(y.polroles) AS u) AS r (name))),
                           ('using', pg_get_expr(y.polqual, y.polrelid)),
                           ('with check', pg_get_expr(y.polwithcheck, y.polrelid))) AS p (prop, value)
    UNION ALL
    SELECT o.obj, 1, p.prop, p.value
      FROM objs AS o JOIN pg_trigger AS t ON o.classid = 'pg_trigger'::regclass AND o.objid = t.oid,
           LATERAL (VALUES ('definition', pg_get_triggerdef(t.oid)),
                           ('enabled', t.tgenabled::text)) AS p (prop, value)
    UNION ALL
    SELECT o.obj, 1, p.prop, p.value
      FROM objs AS o JOIN pg_rewrite AS r ON o.classid = 'pg_rewrite'::regclass AND o.objid = r.oid,
           LATERAL (VALUES ('definition', pg_get_ruledef(r.oid)),
                           ('enabled', r.ev_enabled::text)) AS p (prop, value)
    ----------------------- casts, operators, operator classes, event triggers
    UNION ALL
    SELECT o.obj, 1, p.prop, p.value
      FROM objs AS o JOIN pg_cast AS c ON o.classid = 'pg_cast'::regclass AND o.objid = c.oid,
           LATERAL (VALUES ('function', c.castfunc::regprocedure::text),
                           ('context', c.castcontext::text),
                           ('method', c.castmethod::text)) AS p (prop, value)
    UNION ALL
    SELECT o.obj, 1, p.prop, p.value
      FROM objs AS o JOIN pg_operator AS r ON o.classid = 'pg_operator'::regclass AND o.objid = r.oid,
           LATERAL (VALUES ('owner', pg_get_userbyid(r.oprowner)),
                           ('kind', r.oprkind::text),
                           ('result', format_type(r.oprresult, NULL)),
                           ('function', r.oprcode::regprocedure::text),
                           ('commutator', r.oprcom::regoperator::text),
                           ('negator', r.oprnegate::regoperator::text),
                           ('restrict', r.oprrest::regprocedure::text),
                           ('join', r.oprjoin::regprocedure::text),
                           ('merges', r.oprcanmerge::text),
                           ('hashes', r.oprcanhash::text)) AS p (prop, value)
    UNION ALL
    SELECT o.obj, 1, p.prop, p.value
      FROM objs AS o JOIN pg_opclass AS c ON o.classid = 'pg_opclass'::regclass AND o.objid = c.oid,
           LATERAL (VALUES ('owner', pg_get_userbyid(c.opcowner)),
                           ('family', pg_describe_object('pg_opfamily'::regclass, c.opcfamily, 0)),
                           ('input type', format_type(c.opcintype, NULL)),
                           ('storage type', format_type(nullif(c.opckeytype, 0), NULL)),
                           ('default', c.opcdefault::text)) AS p (prop, value)
    UNION ALL
    SELECT o.obj, 2, 'member', pg_describe_object(m.classid, m.objid, 0)
      FROM objs AS o JOIN (SELECT 'pg_amop'::regclass::oid AS classid, oid AS objid, amopfamily AS family FROM pg_amop
                           UNION ALL
                           SELECT 'pg_amproc'::regclass, oid, amprocfamily FROM pg_amproc) AS m
             ON o.classid = 'pg_opfamily'::regclass AND o.objid = m.family
    UNION ALL
    SELECT o.obj, 1, p.prop, p.value
      FROM objs AS o JOIN pg_event_trigger AS t ON o.classid = 'pg_event_trigger'::regclass AND o.objid = t.oid,
           LATERAL (VALUES ('owner', pg_get_userbyid(t.evtowner)),
                           ('event', t.evtevent::text),
                           ('function', t.evtfoid::regprocedure::text),
                           ('enabled', t.evtenabled::text),
                           ('tags', array_to_string(t.evttags, ', '))) AS p (prop, value)
    UNION ALL
    SELECT o.obj, 1, 'privileges', (SELECT string_agg(a::text, ' ' ORDER BY a::text COLLATE "C") FROM unnest(d.defaclacl) AS a)
      FROM objs AS o JOIN pg_default_acl AS d ON o.classid = 'pg_default_acl'::regclass AND o.objid = d.oid
    UNION ALL
    SELECT o.obj, 1, 'definition', pg_get_statisticsobjdef(s.oid)
      FROM objs AS o JOIN pg_statistic_ext AS s ON o.classid = 'pg_statistic_ext'::regclass AND o.objid = s.oid
)
SELECT p.obj || E'\t' || p.prop || ': ' || l.line
  FROM props AS p,
       unnest(string_to_array(p.value, E'\n')) WITH ORDINALITY AS l (line, n)
 WHERE p.value IS NOT NULL
 ORDER BY p.obj COLLATE "C", p.rank, p.prop COLLATE "C", p.value COLLATE "C", l.n;
