//! The read-only guard for user SQL.
//!
//! Two layers: the statement is parsed first and anything other than a query (or an
//! EXPLAIN of one) is refused with a message naming the statement; then the plan is
//! verified with DataFusion's `SQLOptions` with DDL, DML and statements disallowed.
//! URL tables (`SELECT * FROM 'file.parquet'`) are off in the session, so a query can
//! read only the registered tables.

use datafusion::error::DataFusionError;
use datafusion::execution::context::SQLOptions;
use datafusion::sql::parser::{DFParser, Statement as DfStatement};
use datafusion::sql::sqlparser::ast::Statement;

use crate::error::{EngineError, Result};

/// The options every user query is verified with.
pub fn read_only_options() -> SQLOptions {
    SQLOptions::new()
        .with_allow_ddl(false)
        .with_allow_dml(false)
        .with_allow_statements(false)
}

/// Refuse anything but a single query.
pub fn check_read_only(sql: &str) -> Result<()> {
    let statements = DFParser::parse_sql(sql).map_err(EngineError::Sql)?;
    if statements.len() != 1 {
        return Err(EngineError::Sql(DataFusionError::Plan(format!(
            "expected one statement, found {}",
            statements.len()
        ))));
    }
    let kind = match &statements[0] {
        DfStatement::Statement(s) => match s.as_ref() {
            Statement::Query(_) | Statement::ShowTables { .. } | Statement::ShowColumns { .. } => return Ok(()),
            Statement::Explain { statement, .. } if matches!(statement.as_ref(), Statement::Query(_)) => return Ok(()),
            other => statement_kind(other),
        },
        DfStatement::Explain(e) => match e.statement.as_ref() {
            DfStatement::Statement(s) if matches!(s.as_ref(), Statement::Query(_)) => return Ok(()),
            _ => "EXPLAIN of a non-query".to_string(),
        },
        DfStatement::CreateExternalTable(_) => "CREATE EXTERNAL TABLE".to_string(),
        DfStatement::CopyTo(_) => "COPY".to_string(),
        other => format!("{other}")
            .split_whitespace()
            .take(2)
            .collect::<Vec<_>>()
            .join(" ")
            .to_uppercase(),
    };
    Err(EngineError::ReadOnly { statement: kind })
}

fn statement_kind(statement: &Statement) -> String {
    let text = statement.to_string();
    let words: Vec<&str> = text.split_whitespace().take(2).collect();
    match words.first().map(|w| w.to_uppercase()) {
        Some(w) if w == "CREATE" || w == "DROP" || w == "ALTER" => words.join(" ").to_uppercase(),
        Some(w) => w,
        None => "an empty statement".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_pass_and_writes_are_refused() {
        assert!(check_read_only("SELECT 1").is_ok());
        assert!(check_read_only("WITH a AS (SELECT 1) SELECT * FROM a").is_ok());
        assert!(check_read_only("EXPLAIN SELECT 1").is_ok());
        assert!(check_read_only("SHOW TABLES").is_ok());
        for (sql, kind) in [
            ("COPY (SELECT 1) TO '/tmp/x.parquet'", "COPY"),
            (
                "CREATE EXTERNAL TABLE t STORED AS CSV LOCATION '/etc/passwd'",
                "CREATE EXTERNAL TABLE",
            ),
            ("INSERT INTO incidents VALUES (1)", "INSERT"),
            ("CREATE TABLE t AS SELECT 1", "CREATE TABLE"),
            ("DROP TABLE incidents", "DROP TABLE"),
            ("SET datafusion.execution.batch_size = 1", "SET"),
        ] {
            match check_read_only(sql) {
                Err(EngineError::ReadOnly { statement }) => assert_eq!(statement, kind, "{sql}"),
                other => panic!("{sql}: {other:?}"),
            }
        }
        assert!(matches!(
            check_read_only("SELECT 1; SELECT 2"),
            Err(EngineError::Sql(_))
        ));
    }
}
