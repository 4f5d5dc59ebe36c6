//! Flink-SQL scripts: splitting into statements with their positions, and parsing the
//! statements Weft handles itself (`SET`, `RESET`, `CREATE TABLE`, `CREATE VIEW`, `INSERT`).
//! Queries are planned by DataFusion from the original text, so its positions are exact.

mod ddl;
mod insert;
mod like;
pub mod split;
mod statement;
mod tokens;
mod types;

pub use ddl::LikeClause;
pub use split::{RawStatement, split_statements};
pub use statement::{InsertStatement, ParsedStatement, Statement, parse_script};
pub use types::flink_type_to_arrow;
