-- Validation queries for restore drills (dr-drill.java runs them in the restored copy, never the live database).
-- Each statement must return no rows, or a single true; anything else fails the drill and is shown in its report.
-- Statements are queries (SELECT / WITH / VALUES). Add checks that prove YOUR data is usable, for example:
--   SELECT sku FROM products WHERE unit_price < 0;                  -- no negative prices
--   SELECT count(*) > 0 FROM stock_movements;                      -- movements came back
--   SELECT max(moved_at) > now() - interval '2 days' FROM stock_movements;   -- and they are recent

-- The restored database has at least one table of its own: an empty dump would otherwise pass.
SELECT count(*) > 0 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%';
