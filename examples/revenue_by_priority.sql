-- Revenue per order status and priority from TPC-H data generated on the fly, written as
-- Hive-style partitioned Parquet (one directory per order status), replacing earlier runs.
SET 'parallelism.default' = '2';
SET 'pipeline.name' = 'revenue-by-priority';

CREATE TABLE orders WITH ('connector' = 'tpch', 'table' = 'orders', 'scale' = '0.1');
CREATE TABLE lineitem WITH ('connector' = 'tpch', 'table' = 'lineitem', 'scale' = '0.1');

CREATE TABLE revenue (
  o_orderpriority STRING,
  order_lines     BIGINT,
  revenue         DECIMAL(38, 4),
  o_orderstatus   STRING
) PARTITIONED BY (o_orderstatus) WITH (
  'connector' = 'filesystem',
  'path'      = 'file:///tmp/weft-example/revenue',
  'format'    = 'parquet'
);

INSERT OVERWRITE revenue
SELECT o_orderpriority,
       COUNT(*),
       SUM(l_extendedprice * (1 - l_discount)),
       o_orderstatus
FROM orders JOIN lineitem ON l_orderkey = o_orderkey
GROUP BY o_orderstatus, o_orderpriority;

-- A bare SELECT prints its rows.
SELECT o_orderstatus, COUNT(*) AS orders FROM orders GROUP BY o_orderstatus ORDER BY o_orderstatus;
