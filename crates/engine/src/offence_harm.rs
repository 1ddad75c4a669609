//! `offence_harm_weight(ho_offence_code)`: the bundled offence table's weight
//! ([`crimescope_model::OffenceHarmWeights::v1`]), NULL for a code it does not list, so
//! that `COALESCE(offence_harm_weight(ho_offence_code), harm_weight(category))` weighs
//! each incident by its offence where the extract says which, by its category
//! otherwise. Stateless (the table is bundled), so Ballista executors register it too.

use std::sync::{Arc, OnceLock};

use crimescope_model::OffenceHarmWeights;
use datafusion::arrow::array::{Array, AsArray, Float64Array};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Result as DfResult, exec_err};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, TypeSignature, Volatility,
};

/// The bundled offence table, parsed once.
pub fn bundled_offence_weights() -> &'static OffenceHarmWeights {
    static TABLE: OnceLock<OffenceHarmWeights> = OnceLock::new();
    TABLE.get_or_init(OffenceHarmWeights::v1)
}

/// Harm of one category in a period.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CategoryHarm {
    /// The source.
    pub source: String,
    /// The category.
    pub category: String,
    /// Incidents.
    pub incidents: u64,
    /// Their harm.
    pub harm: f64,
    /// Of the incidents, those weighed by their offence code.
    pub offence_weighted: u64,
}

/// Harm by source and category in `period` (`queries/harm_by_category.sql`): by offence
/// code where the extract gives one the bundled table lists, by category otherwise.
pub async fn harm_by_category(
    session: &crate::Session,
    period: crimescope_model::Period,
    source: Option<crimescope_model::Source>,
) -> crate::Result<Vec<CategoryHarm>> {
    let mut params = crate::queries::filter_params(period, source, None);
    params.remove("category");
    let batches = session.run_builtin("harm_by_category", &params).await?;
    let mut out = Vec::new();
    for b in &batches {
        let c = crate::columns::Columns::new(b, "harm_by_category");
        let (sources, categories) = (c.texts_required("source")?, c.texts_required("category")?);
        let (incidents, harm, by_offence) = (
            c.counts("incidents")?,
            c.floats_required("harm")?,
            c.counts("offence_weighted")?,
        );
        for i in 0..b.num_rows() {
            out.push(CategoryHarm {
                source: sources[i].clone(),
                category: categories[i].clone(),
                incidents: incidents[i],
                harm: harm[i],
                offence_weighted: by_offence[i],
            });
        }
    }
    Ok(out)
}

#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct OffenceHarmFunction {
    signature: Signature,
}

impl OffenceHarmFunction {
    pub(crate) fn new() -> Self {
        OffenceHarmFunction {
            // Any type that casts to text: Utf8, a dictionary of strings, a view.
            signature: Signature::new(TypeSignature::Any(1), Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for OffenceHarmFunction {
    fn name(&self) -> &str {
        "offence_harm_weight"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> DfResult<DataType> {
        Ok(DataType::Float64)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let Some(codes) = arrays.first() else {
            return exec_err!("offence_harm_weight takes one Home Office offence code");
        };
        let codes = cast(codes, &DataType::Utf8)?;
        let Some(codes) = codes.as_string_opt::<i32>() else {
            return exec_err!("offence_harm_weight: the offence code did not cast to text");
        };
        let table = bundled_offence_weights();
        let out: Float64Array = (0..codes.len())
            .map(|i| {
                if codes.is_valid(i) {
                    table.weight(codes.value(i))
                } else {
                    None
                }
            })
            .collect();
        Ok(ColumnarValue::Array(Arc::new(out)))
    }
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::datatypes::Float64Type;
    use datafusion::logical_expr::ScalarUDF;
    use datafusion::prelude::SessionContext;

    use super::*;

    #[tokio::test]
    async fn weights_known_codes_and_nulls_the_rest() {
        let ctx = SessionContext::new();
        ctx.register_udf(ScalarUDF::new_from_impl(OffenceHarmFunction::new()));
        let batches = ctx
            .sql(
                "SELECT offence_harm_weight(arrow_cast(c, 'Dictionary(Int32, Utf8)')) \
                 FROM (VALUES ('19C'), ('105a'), ('ZZZ'), (NULL)) AS t(c)",
            )
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
        let w = batches[0].column(0).as_primitive::<Float64Type>();
        let t = OffenceHarmWeights::v1();
        assert_eq!(w.value(0), t.weight("19C").unwrap());
        assert_eq!(w.value(1), t.weight("105A").unwrap());
        assert!(w.is_null(2) && w.is_null(3));
    }
}
