//! The SQL functions of the trend queries' change test: `poisson_e_test(current,
//! previous, t_current, t_previous)` (the two-sided p-value of
//! [`crimescope_stats::poisson_e_test`]) and `months_in(first, last)` (the months of a
//! period, its exposure). Both are stateless, so every Ballista executor registers
//! them as it does the other built-ins.

use std::sync::Arc;

use crimescope_model::civil_from_days;
use datafusion::arrow::array::{Array, AsArray, Float64Array, Int64Array};
use datafusion::arrow::datatypes::{DataType, Date32Type, Float64Type};
use datafusion::common::{DataFusionError, Result as DfResult};
use datafusion::logical_expr::{ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility};

/// `poisson_e_test(current, previous, t_current, t_previous)`: DOUBLE. NULL when an
/// argument is NULL, a count is negative or not whole, or an exposure is not positive.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct PoissonETestFunction {
    signature: Signature,
}

impl PoissonETestFunction {
    pub(crate) fn new() -> Self {
        PoissonETestFunction {
            signature: Signature::uniform(4, vec![DataType::Float64], Volatility::Immutable),
        }
    }
}

/// A count as the E-test takes it: finite, whole and not negative.
fn as_count(x: f64) -> Option<u64> {
    (x.is_finite() && x >= 0.0 && x.fract() == 0.0 && x < 9.0e15).then_some(x as u64)
}

impl ScalarUDFImpl for PoissonETestFunction {
    fn name(&self) -> &str {
        "poisson_e_test"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> DfResult<DataType> {
        Ok(DataType::Float64)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let column = |i: usize| {
            arrays[i].as_primitive_opt::<Float64Type>().ok_or_else(|| {
                DataFusionError::Execution(format!("poisson_e_test: argument {} must be a number", i + 1))
            })
        };
        let (current, previous, t_current, t_previous) = (column(0)?, column(1)?, column(2)?, column(3)?);
        // The rows on every core: a national table's 14 tests take about 10 ms on one
        // (each p-value is independent of the others, and the output keeps row order).
        use rayon::prelude::*;
        let p_values: Vec<Option<f64>> = (0..current.len())
            .into_par_iter()
            .map(|i| {
                if [current, previous, t_current, t_previous].iter().any(|a| a.is_null(i)) {
                    return None;
                }
                let (c, p) = (as_count(current.value(i))?, as_count(previous.value(i))?);
                let (t1, t2) = (t_current.value(i), t_previous.value(i));
                (t1 > 0.0 && t2 > 0.0 && t1.is_finite() && t2.is_finite())
                    .then(|| crimescope_stats::poisson_e_test(c, p, t1, t2))
            })
            .collect();
        Ok(ColumnarValue::Array(Arc::new(Float64Array::from(p_values))))
    }
}

/// `months_in(first, last)`: BIGINT, the months from the month of `first` to the month
/// of `last` inclusive (DATE arguments, as month parameters bind); NULL when either is
/// NULL or `last` is in an earlier month than `first`.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct MonthsInFunction {
    signature: Signature,
}

impl MonthsInFunction {
    pub(crate) fn new() -> Self {
        MonthsInFunction {
            signature: Signature::uniform(2, vec![DataType::Date32], Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for MonthsInFunction {
    fn name(&self) -> &str {
        "months_in"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> DfResult<DataType> {
        Ok(DataType::Int64)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let date = |i: usize| {
            arrays[i]
                .as_primitive_opt::<Date32Type>()
                .ok_or_else(|| DataFusionError::Execution(format!("months_in: argument {} must be a date", i + 1)))
        };
        let (first, last) = (date(0)?, date(1)?);
        let index = |a: &datafusion::arrow::array::Date32Array, i: usize| {
            let (y, m, _) = civil_from_days(a.value(i));
            a.is_valid(i).then_some(i64::from(y) * 12 + i64::from(m))
        };
        let out: Int64Array = (0..first.len())
            .map(|i| {
                let n = index(last, i)? - index(first, i)? + 1;
                (n > 0).then_some(n)
            })
            .collect();
        Ok(ColumnarValue::Array(Arc::new(out)))
    }
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::array::AsArray;
    use datafusion::arrow::datatypes::{Float64Type, Int64Type};
    use datafusion::logical_expr::ScalarUDF;
    use datafusion::prelude::SessionContext;

    use super::*;

    fn context() -> SessionContext {
        let ctx = SessionContext::new();
        ctx.register_udf(ScalarUDF::new_from_impl(PoissonETestFunction::new()));
        ctx.register_udf(ScalarUDF::new_from_impl(MonthsInFunction::new()));
        ctx
    }

    #[tokio::test]
    async fn e_test_in_sql_is_the_library_test_and_rejects_non_counts() {
        let ctx = context();
        let batches = ctx
            .sql(
                "SELECT poisson_e_test(c, p, 6, 6) FROM (VALUES (25, 16), (-1, 3), (2.5, 3), (NULL, 3), (0, 0)) AS t(c, p)",
            )
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
        let p = batches[0].column(0).as_primitive::<Float64Type>();
        assert_eq!(p.value(0), crimescope_stats::poisson_e_test(25, 16, 6.0, 6.0));
        assert!(p.is_null(1) && p.is_null(2) && p.is_null(3));
        assert_eq!(p.value(4), 1.0);
    }

    /// `poisson_e_test` over `rows` (current, previous) in one query, run on a rayon
    /// pool of `threads` (the query on a single-threaded runtime inside it, so the
    /// function's parallel rows use that pool).
    fn e_tests_on(threads: usize, rows: &[(u64, u64)]) -> Vec<f64> {
        let values: Vec<String> = rows.iter().map(|(c, p)| format!("({c}, {p})")).collect();
        let sql = format!(
            "SELECT poisson_e_test(c, p, 6, 6) FROM (VALUES {}) AS t(c, p)",
            values.join(", ")
        );
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| {
            let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
            runtime.block_on(async {
                let batches = context().sql(&sql).await.unwrap().collect().await.unwrap();
                batches
                    .iter()
                    .flat_map(|b| b.column(0).as_primitive::<Float64Type>().values().to_vec())
                    .collect()
            })
        })
    }

    #[test]
    fn e_tests_of_many_rows_keep_their_rows_on_any_thread_count() {
        let rows: Vec<(u64, u64)> = (0..200u64).map(|i| (i * 37 % 500, (i * 53 + 11) % 480)).collect();
        let one = e_tests_on(1, &rows);
        let expected: Vec<f64> = rows
            .iter()
            .map(|&(c, p)| crimescope_stats::poisson_e_test(c, p, 6.0, 6.0))
            .collect();
        assert_eq!(one, expected, "row by row, in order, the library's values");
        assert_eq!(e_tests_on(3, &rows), one);
    }

    #[tokio::test]
    async fn months_in_counts_inclusive_months_across_years() {
        let ctx = context();
        let batches = ctx
            .sql(
                "SELECT months_in(DATE '2024-07-01', DATE '2024-12-01'), months_in(DATE '2024-11-01', DATE '2025-02-01'), \
                 months_in(DATE '2025-02-01', DATE '2024-11-01')",
            )
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
        let col = |i: usize| batches[0].column(i).as_primitive::<Int64Type>().clone();
        assert_eq!(col(0).value(0), 6);
        assert_eq!(col(1).value(0), 4);
        assert!(col(2).is_null(0));
    }
}
