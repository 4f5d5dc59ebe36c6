-- The function-heavy ETL script of `weft bench etl`: one nightly cleansing pass over
-- TPC-H's lineitem (CSV), written as Flink SQL and run unchanged by Weft and by Flink.
-- ${OUT} is replaced by the sink's directory; the `lineitem` source table is declared
-- before this script by the benchmark.
CREATE TABLE etl_out (
  order_key BIGINT,
  line_no INT,
  ship_month STRING,
  ship_year BIGINT,
  ship_dow BIGINT,
  transit_days INT,
  status STRING,
  mode_code STRING,
  instruction STRING,
  first_word STRING,
  tag STRING,
  part_bucket STRING,
  the_at INT,
  comment_len INT,
  adverb STRING,
  net_price DECIMAL(38, 2),
  size_class STRING,
  received_late BOOLEAN,
  price_text STRING,
  comment_code STRING
) WITH ('connector' = 'filesystem', 'path' = '${OUT}', 'format' = 'csv');

INSERT INTO etl_out
SELECT
  l_orderkey,
  l_linenumber,
  DATE_FORMAT(CAST(l_shipdate AS TIMESTAMP(3)), 'yyyy-MM'),
  YEAR(l_shipdate),
  DAYOFWEEK(l_shipdate),
  TIMESTAMPDIFF(DAY, CAST(l_shipdate AS TIMESTAMP(3)), CAST(l_receiptdate AS TIMESTAMP(3))),
  IF(l_returnflag = 'R', 'returned', LOWER(CONCAT(l_returnflag, l_linestatus))),
  UPPER(SUBSTRING(l_shipmode FROM 1 FOR 3)),
  REGEXP_REPLACE(INITCAP(l_shipinstruct), ' +', '_'),
  SPLIT_INDEX(l_comment, ' ', 0),
  CONCAT_WS('-', l_returnflag, l_linestatus, CAST(l_linenumber AS STRING)),
  LPAD(CAST(MOD(l_partkey, 1000) AS STRING), 4, '0'),
  LOCATE('the', l_comment),
  CHAR_LENGTH(TRIM(l_comment)),
  REGEXP_EXTRACT(l_comment, '([a-z]+)ly', 1),
  ROUND(l_extendedprice * (1 - l_discount) * (1 + l_tax), 2),
  CASE WHEN l_quantity >= 40 THEN 'large' WHEN l_quantity >= 10 THEN 'medium' ELSE 'small' END,
  l_commitdate < l_receiptdate,
  CAST(l_extendedprice AS STRING),
  TO_BASE64(SUBSTRING(l_comment, 1, 6))
FROM lineitem
WHERE l_shipdate >= DATE '1997-01-01' AND l_comment NOT LIKE '%special%';
