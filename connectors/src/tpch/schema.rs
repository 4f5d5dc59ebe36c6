//! The columns tpchgen-arrow produces for each TPC-H table, so a schema can be resolved
//! without building a generator (which allocates tpchgen's 300 MiB text pool).
//! `tests::schemas_match_generators` keeps this in step with the crate.

use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Schema, SchemaRef};

// I = Int64, i = Int32, S = Utf8View, M = Decimal128(15, 2) (money), D = Date32
const TABLES: &[(&str, &[(&str, char)])] = &[
    (
        "customer",
        &[
            ("c_custkey", 'I'),
            ("c_name", 'S'),
            ("c_address", 'S'),
            ("c_nationkey", 'I'),
            ("c_phone", 'S'),
            ("c_acctbal", 'M'),
            ("c_mktsegment", 'S'),
            ("c_comment", 'S'),
        ],
    ),
    (
        "lineitem",
        &[
            ("l_orderkey", 'I'),
            ("l_partkey", 'I'),
            ("l_suppkey", 'I'),
            ("l_linenumber", 'i'),
            ("l_quantity", 'M'),
            ("l_extendedprice", 'M'),
            ("l_discount", 'M'),
            ("l_tax", 'M'),
            ("l_returnflag", 'S'),
            ("l_linestatus", 'S'),
            ("l_shipdate", 'D'),
            ("l_commitdate", 'D'),
            ("l_receiptdate", 'D'),
            ("l_shipinstruct", 'S'),
            ("l_shipmode", 'S'),
            ("l_comment", 'S'),
        ],
    ),
    (
        "nation",
        &[
            ("n_nationkey", 'I'),
            ("n_name", 'S'),
            ("n_regionkey", 'I'),
            ("n_comment", 'S'),
        ],
    ),
    (
        "orders",
        &[
            ("o_orderkey", 'I'),
            ("o_custkey", 'I'),
            ("o_orderstatus", 'S'),
            ("o_totalprice", 'M'),
            ("o_orderdate", 'D'),
            ("o_orderpriority", 'S'),
            ("o_clerk", 'S'),
            ("o_shippriority", 'i'),
            ("o_comment", 'S'),
        ],
    ),
    (
        "part",
        &[
            ("p_partkey", 'I'),
            ("p_name", 'S'),
            ("p_mfgr", 'S'),
            ("p_brand", 'S'),
            ("p_type", 'S'),
            ("p_size", 'i'),
            ("p_container", 'S'),
            ("p_retailprice", 'M'),
            ("p_comment", 'S'),
        ],
    ),
    (
        "partsupp",
        &[
            ("ps_partkey", 'I'),
            ("ps_suppkey", 'I'),
            ("ps_availqty", 'i'),
            ("ps_supplycost", 'M'),
            ("ps_comment", 'S'),
        ],
    ),
    (
        "region",
        &[("r_regionkey", 'I'), ("r_name", 'S'), ("r_comment", 'S')],
    ),
    (
        "supplier",
        &[
            ("s_suppkey", 'I'),
            ("s_name", 'S'),
            ("s_address", 'S'),
            ("s_nationkey", 'I'),
            ("s_phone", 'S'),
            ("s_acctbal", 'M'),
            ("s_comment", 'S'),
        ],
    ),
];

/// The generator's schema of a TPC-H table, or `None` for an unknown name.
pub fn generator_schema(table: &str) -> Option<SchemaRef> {
    let (_, cols) = TABLES.iter().find(|(t, _)| *t == table)?;
    let fields = cols.iter().map(|(name, code)| {
        let dt = match code {
            'I' => DataType::Int64,
            'i' => DataType::Int32,
            'S' => DataType::Utf8View,
            'M' => DataType::Decimal128(15, 2),
            _ => DataType::Date32,
        };
        Field::new(*name, dt, false)
    });
    Some(Arc::new(Schema::new(fields.collect::<Vec<_>>())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tpch::exec::{TPCH_TABLES, generator};

    #[test]
    fn schemas_match_generators() {
        for t in TPCH_TABLES {
            let g = generator(t, 0.001, 1, 1).unwrap();
            assert_eq!(g.schema(), &generator_schema(t).unwrap(), "{t}");
        }
    }
}
