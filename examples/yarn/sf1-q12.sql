SET 'parallelism.default' = '4';
CREATE TABLE orders_pq (o_orderkey BIGINT, o_orderpriority STRING, o_orderdate DATE) WITH ('connector' = 'filesystem', 'path' = 'hdfs:///sf1/orders', 'format' = 'parquet');
CREATE TABLE lineitem_pq (l_orderkey BIGINT, l_shipmode STRING, l_commitdate DATE, l_receiptdate DATE, l_shipdate DATE, l_extendedprice DECIMAL(15, 2)) WITH ('connector' = 'filesystem', 'path' = 'hdfs:///sf1/lineitem', 'format' = 'parquet');
CREATE TABLE q12 (l_shipmode STRING, o_orderpriority STRING, lines BIGINT, revenue DECIMAL(38, 2)) WITH ('connector' = 'filesystem', 'path' = 'hdfs:///sf1/q12-out', 'format' = 'csv');
INSERT OVERWRITE q12 SELECT l_shipmode, o_orderpriority, COUNT(*), SUM(l_extendedprice) FROM orders_pq JOIN lineitem_pq ON o_orderkey = l_orderkey WHERE l_commitdate < l_receiptdate AND l_shipdate < l_commitdate GROUP BY l_shipmode, o_orderpriority;
