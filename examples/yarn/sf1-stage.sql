CREATE TABLE orders WITH ('connector' = 'tpch', 'table' = 'orders', 'scale' = '1');
CREATE TABLE lineitem WITH ('connector' = 'tpch', 'table' = 'lineitem', 'scale' = '1');
CREATE TABLE orders_pq (o_orderkey BIGINT, o_orderpriority STRING, o_orderdate DATE) WITH ('connector' = 'filesystem', 'path' = 'hdfs:///sf1/orders', 'format' = 'parquet');
CREATE TABLE lineitem_pq (l_orderkey BIGINT, l_shipmode STRING, l_commitdate DATE, l_receiptdate DATE, l_shipdate DATE, l_extendedprice DECIMAL(15, 2)) WITH ('connector' = 'filesystem', 'path' = 'hdfs:///sf1/lineitem', 'format' = 'parquet');
INSERT INTO orders_pq SELECT o_orderkey, o_orderpriority, o_orderdate FROM orders;
INSERT INTO lineitem_pq SELECT l_orderkey, l_shipmode, l_commitdate, l_receiptdate, l_shipdate, l_extendedprice FROM lineitem;
