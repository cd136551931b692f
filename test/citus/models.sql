-- test/citus/models.sql: one scoring model over :source, named :model, as
-- a user declares it; test/citus/run.sh builds it over the distributed
-- customers and over their local copy and compares the views.
--
--   psql -v model=citus_d -v source=public.customers -f test/citus/models.sql
SELECT health_score.create_model(:'model', :'source', 'id', segments => '{segment}',
                                 red_below => 40, green_from => 70);
SELECT health_score.add_metric(:'model', 'usage', 'usage_pct', 3, 'linear', worst => 0, best => 100);
SELECT health_score.add_metric(:'model', 'logins', 'logins_30d', 2, 'log', worst => 0, best => 500);
SELECT health_score.add_metric(:'model', 'tickets', 'open_tickets', 1, 'linear', worst => 15, best => 0);
SELECT health_score.build(:'model');
