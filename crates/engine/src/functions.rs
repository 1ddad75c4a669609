//! crimescope's SQL functions, registered on every [`Session`](crate::Session) and, with
//! the `distributed` feature, on every Ballista scheduler and executor.
//!
//! | function | returns | what |
//! |---|---|---|
//! | `bng_easting(longitude, latitude)` | DOUBLE | OSTN15 easting in metres; NULL outside Great Britain |
//! | `bng_northing(longitude, latitude)` | DOUBLE | OSTN15 northing in metres; NULL outside Great Britain |
//! | `grid_cell(easting, northing, cell)` | BIGINT | the packed key `i * 2^24 + j` of the `cell`-metre square holding the point |
//! | `harm_weight(category)` | DOUBLE | the session's harm weight for a category display name; NULL when the table has none |
//! | `local_time(occurred_at [, zone])` | TIMESTAMP | the clock time of a UTC instant in an IANA zone (default `Europe/London`): what a partner's clock showed |
//! | `lsoa21(lsoa_code)` | TEXT | the 2021 LSOA a 2011 or 2021 code is counted in ([`crate::lsoa_vintage`]) |
//! | `lsoa_change(lsoa_code)` | TEXT | the rule that read it: `unchanged`, `merged`, `best-fit` or `unknown` |
//! | `poisson_e_test(current, previous, t_current, t_previous)` | DOUBLE | the two-sided p-value of the Poisson E-test that two counts over exposures `t` share a rate (Krishnamoorthy & Thomson 2004; [`crimescope_stats::poisson_e_test`]) |
//! | `months_in(first, last)` | BIGINT | the months of the period `first..last` (`YYYY-MM`), inclusive |
//! | `offence_harm_weight(ho_offence_code)` | DOUBLE | the bundled offence table's weight (`harm_offences_v1`, an approximation); NULL for a code it does not list |
//! | `text_key(text)` | BIGINT UNSIGNED | a 64-bit key of the text, for grouping a dictionary column by a number ([`crate::text_key`]); NULL for NULL |
//! | `latest_of(value, month, source_file, source_line)` (aggregate) | TEXT | per group, the value of the latest row by month, file and line, nulls last: `last_value(value ORDER BY month, source_file, source_line)` as a grouped accumulator ([`crate::latest_of`]) |
//!
//! The projection is the Ordnance Survey's OSTN15 transformation (Ordnance Survey,
//! *A guide to coordinate systems in Great Britain*, 2020, §6), as used at ingest
//! ([`crimescope_ingest::projection::to_bng`]). The harm table defaults to the bundled
//! `harm_weights_v1` (after the Cambridge Crime Harm Index, Sherman, Neyroud & Neyroud
//! 2016) and follows the harm table the session was opened with ([`crate::SessionOptions::harm`]).

use std::any::Any;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use crimescope_ingest::local_time::LocalZone;
use crimescope_ingest::projection::{Projected, to_bng};
use crimescope_model::HarmWeights;
use datafusion::arrow::array::{Array, ArrayRef, AsArray, Float64Array, Int64Array, TimestampMillisecondArray};
use datafusion::arrow::buffer::{BooleanBuffer, NullBuffer};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Float64Type, TimeUnit, TimestampMillisecondType};
use datafusion::common::{DataFusionError, Result as DfResult, ScalarValue, exec_err};
use datafusion::logical_expr::{
    AggregateUDF, ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, TypeSignature, Volatility,
};
use datafusion::prelude::SessionContext;

/// Cells are packed as `i * GRID_KEY_STRIDE + j`; `j` must stay below the stride.
pub const GRID_KEY_STRIDE: i64 = 1 << 24;

/// Name of the harm-weight function, which carries its table as state.
pub const HARM_WEIGHT: &str = "harm_weight";

/// Every crimescope SQL function, the harm table being `harm`.
pub fn scalar_functions(harm: &HarmWeights) -> Vec<ScalarUDF> {
    vec![
        ScalarUDF::new_from_impl(BngCoordinate::new(Axis::Easting)),
        ScalarUDF::new_from_impl(BngCoordinate::new(Axis::Northing)),
        ScalarUDF::new_from_impl(GridCell::new()),
        harm_weight_udf(harm),
        ScalarUDF::new_from_impl(LocalClockTime::new()),
        ScalarUDF::new_from_impl(crate::lsoa_vintage::LsoaVintageFunction::lsoa21()),
        ScalarUDF::new_from_impl(crate::lsoa_vintage::LsoaVintageFunction::change()),
        ScalarUDF::new_from_impl(crate::change_functions::PoissonETestFunction::new()),
        ScalarUDF::new_from_impl(crate::change_functions::MonthsInFunction::new()),
        ScalarUDF::new_from_impl(crate::offence_harm::OffenceHarmFunction::new()),
        ScalarUDF::new_from_impl(crate::text_key::TextKeyFunction::new()),
        ScalarUDF::new_from_impl(crate::text_month_key::TextMonthKeyFunction::new()),
        ScalarUDF::new_from_impl(crate::text_month_key::KeyMonthFunction::new()),
    ]
}

/// Every crimescope aggregate function.
pub fn aggregate_functions() -> Vec<AggregateUDF> {
    vec![AggregateUDF::new_from_impl(crate::latest_of::LatestOfFunction::new())]
}

/// Register every crimescope SQL function on `ctx` (replacing any of the same name).
pub fn register_functions(ctx: &SessionContext, harm: &HarmWeights) {
    for udf in scalar_functions(harm) {
        ctx.register_udf(udf);
    }
    for udaf in aggregate_functions() {
        ctx.register_udaf(udaf);
    }
}

/// The `harm_weight(category)` function over `harm`.
pub fn harm_weight_udf(harm: &HarmWeights) -> ScalarUDF {
    ScalarUDF::new_from_impl(HarmWeightFunction::new(harm))
}

/// The harm table that a `harm_weight` function carries, if `udf` is one: the state
/// a cluster codec must ship with the plan (see `cluster::CrimescopeCodec`).
pub fn harm_table_of(udf: &ScalarUDF) -> Option<&HarmWeights> {
    let inner: &dyn Any = udf.inner().as_ref();
    inner.downcast_ref::<HarmWeightFunction>().map(|f| &f.table)
}

/// Which BNG coordinate a projection function returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Axis {
    Easting,
    Northing,
}

/// `bng_easting` / `bng_northing`: WGS84 longitude and latitude (degrees) to OSTN15.
#[derive(Debug, PartialEq, Eq, Hash)]
struct BngCoordinate {
    axis: Axis,
    signature: Signature,
}

impl BngCoordinate {
    fn new(axis: Axis) -> Self {
        BngCoordinate {
            axis,
            signature: Signature::uniform(2, vec![DataType::Float64], Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for BngCoordinate {
    fn name(&self) -> &str {
        match self.axis {
            Axis::Easting => "bng_easting",
            Axis::Northing => "bng_northing",
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> DfResult<DataType> {
        Ok(DataType::Float64)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let (lon, lat) = (float_arg(self.name(), &arrays, 0)?, float_arg(self.name(), &arrays, 1)?);
        let out: Float64Array = lon
            .iter()
            .zip(lat.iter())
            .map(|(lon, lat)| match (lon, lat) {
                (Some(lon), Some(lat)) => match to_bng(lon, lat) {
                    Projected::Bng { easting, northing } => Some(match self.axis {
                        Axis::Easting => easting,
                        Axis::Northing => northing,
                    }),
                    Projected::OutsideGreatBritain => None,
                },
                _ => None,
            })
            .collect();
        Ok(ColumnarValue::Array(Arc::new(out)))
    }
}

/// `grid_cell(easting, northing, cell)`: the packed key of the square cell of side
/// `cell` metres, anchored at (0, 0), that holds the point. NULL for a null, negative
/// or non-finite coordinate, or a cell index beyond the key's range.
#[derive(Debug, PartialEq, Eq, Hash)]
struct GridCell {
    signature: Signature,
}

impl GridCell {
    fn new() -> Self {
        GridCell {
            signature: Signature::uniform(3, vec![DataType::Float64], Volatility::Immutable),
        }
    }
}

/// The cell indices (floored) and whether they fit the key: both in `[0, 2^24)`. NaN
/// fails the comparisons, so a non-finite coordinate is off the grid too.
#[inline]
fn cell_indices(easting: f64, northing: f64, cell: f64) -> (f64, f64, bool) {
    let limit = GRID_KEY_STRIDE as f64;
    let (i, j) = ((easting / cell).floor(), (northing / cell).floor());
    (i, j, i >= 0.0 && i < limit && j >= 0.0 && j < limit)
}

/// The key of the cell holding (easting, northing), if it has one.
fn cell_key(easting: f64, northing: f64, cell: f64) -> Option<i64> {
    let (i, j, on_grid) = cell_indices(easting, northing, cell);
    on_grid.then(|| i as i64 * GRID_KEY_STRIDE + j as i64)
}

/// `grid_cell` over whole columns with one cell size: keys computed into one buffer
/// (off-grid rows get -1), then nulls where an input is null or the point is off the
/// grid. For a quotient in `[0, 2^24)` truncation is the floor, so the quotient's range
/// alone decides whether a key exists and `as` gives it (no `floor` call, which the
/// baseline x86-64 target makes a library call); [`cell_key`] is the same rule with the
/// floor written out, and the tests hold the two equal.
fn keys_for_constant_cell(east: &Float64Array, north: &Float64Array, cell: f64) -> Int64Array {
    let limit = GRID_KEY_STRIDE as f64;
    // NaN fails both comparisons, so it is off the grid.
    let on_grid = |q: f64| q >= 0.0 && q < limit;
    let keys: Vec<i64> = east
        .values()
        .iter()
        .zip(north.values().iter())
        .map(|(&e, &n)| {
            let (qi, qj) = (e / cell, n / cell);
            if on_grid(qi) && on_grid(qj) {
                qi as i64 * GRID_KEY_STRIDE + qj as i64
            } else {
                -1
            }
        })
        .collect();
    let inputs = NullBuffer::union(east.nulls(), north.nulls());
    let nulls = if keys.iter().all(|&k| k >= 0) {
        inputs
    } else {
        let placed = NullBuffer::new(BooleanBuffer::collect_bool(keys.len(), |r| keys[r] >= 0));
        NullBuffer::union(inputs.as_ref(), Some(&placed))
    };
    Int64Array::new(keys.into(), nulls)
}

impl ScalarUDFImpl for GridCell {
    fn name(&self) -> &str {
        "grid_cell"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> DfResult<DataType> {
        Ok(DataType::Int64)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        // The cell size is almost always one value for the whole query.
        let constant_cell = match &args.args[2] {
            ColumnarValue::Scalar(ScalarValue::Float64(cell)) => Some(*cell),
            _ => None,
        };
        let arrays = ColumnarValue::values_to_arrays(&args.args[..2])?;
        let (east, north) = (float_arg("grid_cell", &arrays, 0)?, float_arg("grid_cell", &arrays, 1)?);
        let check = |cell: f64| -> DfResult<f64> {
            if cell.is_finite() && cell > 0.0 {
                Ok(cell)
            } else {
                exec_err!("grid_cell: the cell size must be a positive number of metres, got {cell}")
            }
        };
        let out: Int64Array = match constant_cell {
            Some(None) => Int64Array::new_null(args.number_rows),
            Some(Some(cell)) => keys_for_constant_cell(east, north, check(cell)?),
            None => {
                let cells = ColumnarValue::values_to_arrays(&args.args[2..])?;
                let cells = float_arg("grid_cell", &cells, 0)?;
                let mut out = Vec::with_capacity(args.number_rows);
                for ((e, n), cell) in east.iter().zip(north.iter()).zip(cells.iter()) {
                    out.push(match (e, n, cell) {
                        (Some(e), Some(n), Some(cell)) => cell_key(e, n, check(cell)?),
                        _ => None,
                    });
                }
                Int64Array::from(out)
            }
        };
        Ok(ColumnarValue::Array(Arc::new(out)))
    }
}

/// `harm_weight(category)`: the weight of a category display name in one harm table.
#[derive(Debug)]
struct HarmWeightFunction {
    table: HarmWeights,
    lookup: HashMap<String, f64>,
    signature: Signature,
}

impl HarmWeightFunction {
    fn new(table: &HarmWeights) -> Self {
        HarmWeightFunction {
            table: table.clone(),
            lookup: table.iter().map(|(c, w)| (c.to_string(), w)).collect(),
            // Any type that casts to text: Utf8, a dictionary of strings, a view.
            signature: Signature::new(TypeSignature::Any(1), Volatility::Immutable),
        }
    }
}

impl PartialEq for HarmWeightFunction {
    fn eq(&self, other: &Self) -> bool {
        self.table == other.table
    }
}

impl Eq for HarmWeightFunction {}

impl Hash for HarmWeightFunction {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.table.name().hash(state);
        for (category, weight) in self.table.iter() {
            category.hash(state);
            weight.to_bits().hash(state);
        }
    }
}

impl ScalarUDFImpl for HarmWeightFunction {
    fn name(&self) -> &str {
        HARM_WEIGHT
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> DfResult<DataType> {
        Ok(DataType::Float64)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let text = cast(&arrays[0], &DataType::Utf8).map_err(|e| {
            DataFusionError::Execution(format!(
                "harm_weight: the argument must be a category name (text), got {}: {e}",
                arrays[0].data_type()
            ))
        })?;
        let out: Float64Array = text
            .as_string::<i32>()
            .iter()
            .map(|c| c.and_then(|c| self.lookup.get(c).copied()))
            .collect();
        Ok(ColumnarValue::Array(Arc::new(out)))
    }
}

/// Argument `index` as Float64 (the signature has already coerced it).
/// `local_time(ts [, zone])`: the wall-clock time of a UTC instant in an IANA zone
/// (default Europe/London), as a timestamp without zone. Ingest stores `occurred_at` as
/// UTC (crimescope_ingest::local_time); hour-of-day profiles and day boundaries are read
/// on the clock through this. The zone is an argument, not state, so the function is
/// the same on every cluster node.
#[derive(Debug, PartialEq, Eq, Hash)]
struct LocalClockTime {
    signature: Signature,
}

impl LocalClockTime {
    fn new() -> Self {
        LocalClockTime {
            signature: Signature::one_of(
                vec![TypeSignature::Any(1), TypeSignature::Any(2)],
                Volatility::Immutable,
            ),
        }
    }
}

impl ScalarUDFImpl for LocalClockTime {
    fn name(&self) -> &str {
        "local_time"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> DfResult<DataType> {
        Ok(DataType::Timestamp(TimeUnit::Millisecond, None))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let naive_ms = DataType::Timestamp(TimeUnit::Millisecond, None);
        let instants = match arrays.first() {
            Some(a) if matches!(a.data_type(), DataType::Timestamp(..) | DataType::Null) => cast(a, &naive_ms)?,
            _ => return exec_err!("local_time takes one TIMESTAMP argument"),
        };
        let instants = instants.as_primitive::<TimestampMillisecondType>();
        let zone = match args.args.get(1) {
            None => LocalZone::LONDON,
            Some(ColumnarValue::Scalar(
                ScalarValue::Utf8(Some(name)) | ScalarValue::Utf8View(Some(name)) | ScalarValue::LargeUtf8(Some(name)),
            )) => match LocalZone::parse(name) {
                Ok(zone) => zone,
                Err(message) => return exec_err!("local_time: {message}"),
            },
            Some(_) => return exec_err!("local_time: the zone must be a constant text, such as 'Europe/London'"),
        };
        let out: TimestampMillisecondArray = instants.iter().map(|t| t.map(|ms| zone.to_local_ms(ms))).collect();
        Ok(ColumnarValue::Array(Arc::new(out)))
    }
}

fn float_arg<'a>(name: &str, arrays: &'a [ArrayRef], index: usize) -> DfResult<&'a Float64Array> {
    arrays[index]
        .as_primitive_opt::<Float64Type>()
        .ok_or_else(|| DataFusionError::Execution(format!("{name}: argument {} must be a number", index + 1)))
}

/// The text form of a harm table that [`HarmWeights::parse`] reads back: its name on the
/// first line, then the `category,weight` table. Weights print in Rust's shortest
/// round-trip form, so the table comes back bit for bit.
pub fn harm_table_text(harm: &HarmWeights) -> String {
    let mut text = format!("{}\ncategory,weight\n", harm.name());
    for (category, weight) in harm.iter() {
        text.push_str(&format!("{category},{weight}\n"));
    }
    text
}

/// Read [`harm_table_text`] back.
pub fn harm_table_from_text(text: &str) -> Result<HarmWeights, String> {
    let (name, table) = text
        .split_once('\n')
        .ok_or_else(|| "a harm table's text starts with its name on a line of its own".to_string())?;
    HarmWeights::parse(name, table).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Float64Array, Int64Array};

    async fn one_column(ctx: &SessionContext, sql: &str) -> Vec<ArrayRef> {
        let batches = ctx.sql(sql).await.unwrap().collect().await.unwrap();
        batches.iter().map(|b| b.column(0).clone()).collect()
    }

    /// The first column as owned strings, whatever string layout the planner chose.
    async fn string_column(ctx: &SessionContext, sql: &str) -> Vec<Option<String>> {
        let mut out = Vec::new();
        for col in one_column(ctx, sql).await {
            let utf8 = cast(&col, &DataType::Utf8).unwrap();
            out.extend(utf8.as_string::<i32>().iter().map(|s| s.map(str::to_string)));
        }
        out
    }

    fn session(harm: &HarmWeights) -> SessionContext {
        let ctx = SessionContext::new();
        register_functions(&ctx, harm);
        ctx
    }

    #[tokio::test]
    async fn local_time_reads_instants_on_the_london_clock() {
        let ctx = session(&HarmWeights::v1());
        let sql = "SELECT CAST(local_time(to_timestamp_millis(t)) AS VARCHAR) FROM (VALUES \
                   ('2025-01-15T12:00:00'), ('2025-07-15T11:00:00'), ('2025-10-26T00:30:00'), \
                   ('2025-10-26T01:30:00'), (NULL)) AS v(t)";
        let chicago =
            "SELECT CAST(local_time(to_timestamp_millis('2025-07-15T11:00:00'), 'America/Chicago') AS VARCHAR)";
        assert_eq!(
            string_column(&ctx, chicago).await,
            vec![Some("2025-07-15T06:00:00".to_string())]
        );
        let bad = ctx
            .sql("SELECT local_time(to_timestamp_millis('2025-07-15T11:00:00'), 'Mars/Base')")
            .await;
        let err = match bad {
            Ok(df) => df.collect().await.unwrap_err().to_string(),
            Err(e) => e.to_string(),
        };
        assert!(err.contains("Mars/Base"), "{err}");
        assert_eq!(
            string_column(&ctx, sql).await,
            vec![
                Some("2025-01-15T12:00:00".to_string()),
                Some("2025-07-15T12:00:00".to_string()),
                // The repeated hour: 00:30 and 01:30 UTC both show 01:30 on the clock.
                Some("2025-10-26T01:30:00".to_string()),
                Some("2025-10-26T01:30:00".to_string()),
                None,
            ]
        );
    }

    #[tokio::test]
    async fn projection_matches_ingest_and_is_null_outside_britain() {
        let ctx = session(&HarmWeights::v1());
        let points = [
            (-0.0813, 51.5155),
            (-1.5197, 52.4068),
            (-3.1791, 51.4816),
            (-87.65, 41.85),
        ];
        for (lon, lat) in points {
            let sql = format!("SELECT bng_easting({lon}, {lat}), bng_northing({lon}, {lat})");
            let batches = ctx.sql(&sql).await.unwrap().collect().await.unwrap();
            let e = batches[0].column(0).as_primitive::<Float64Type>();
            let n = batches[0].column(1).as_primitive::<Float64Type>();
            match to_bng(lon, lat) {
                Projected::Bng { easting, northing } => {
                    assert_eq!((e.value(0), n.value(0)), (easting, northing));
                }
                Projected::OutsideGreatBritain => assert!(e.is_null(0) && n.is_null(0)),
            }
        }
    }

    #[tokio::test]
    async fn grid_cell_matches_the_sql_expression_it_replaces() {
        let ctx = session(&HarmWeights::v1());
        let sql = "SELECT grid_cell(e, n, 250.0), \
                   CAST(floor(e / 250.0) AS BIGINT) * 16777216 + CAST(floor(n / 250.0) AS BIGINT) \
                   FROM (VALUES (533012.5, 181499.9), (0.0, 0.0), (249.999, 250.0), (699999.0, 1249999.0)) AS t(e, n)";
        let batches = ctx.sql(sql).await.unwrap().collect().await.unwrap();
        let udf = batches[0]
            .column(0)
            .as_primitive::<datafusion::arrow::datatypes::Int64Type>();
        let expr = batches[0]
            .column(1)
            .as_primitive::<datafusion::arrow::datatypes::Int64Type>();
        assert_eq!(udf.len(), 4);
        assert_eq!(udf.values(), expr.values());
        assert_eq!(udf.value(2), 1); // (249.999, 250.0) is cell (0, 1)
    }

    #[test]
    fn column_keys_without_floor_are_the_floored_keys() {
        let limit = GRID_KEY_STRIDE as f64;
        let mut coordinates = vec![
            0.0,
            -0.0,
            -1e-300,
            1e-300,
            249.999_999_999_999_97,
            250.0,
            -250.0,
            533_012.5,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MAX,
            -f64::MAX,
        ];
        for cell in [250.0, 62.5, 1.0, 0.3] {
            // Both sides of the last cell the key can hold.
            for d in [-1.0, -1e-9, 0.0, 1e-9, 1.0] {
                coordinates.push(limit * cell + d * cell);
            }
        }
        // A seeded spread over and around the grid.
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..2_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            coordinates.push((x % 3_000_000) as f64 / 1.7 - 200_000.0);
        }
        for cell in [250.0, 62.5, 1.0, 0.3, 1e-300] {
            let east: Vec<f64> = coordinates
                .iter()
                .flat_map(|&e| coordinates.iter().take(40).map(move |_| e))
                .collect();
            let north: Vec<f64> = coordinates
                .iter()
                .flat_map(|_| coordinates.iter().take(40).copied())
                .collect();
            let keys = keys_for_constant_cell(
                &Float64Array::from(east.clone()),
                &Float64Array::from(north.clone()),
                cell,
            );
            for r in 0..east.len() {
                let want = cell_key(east[r], north[r], cell);
                let got = keys.is_valid(r).then(|| keys.value(r));
                assert_eq!(got, want, "({}, {}) in cells of {cell}", east[r], north[r]);
            }
        }
    }

    #[tokio::test]
    async fn grid_cell_nulls_and_bad_sizes() {
        let ctx = session(&HarmWeights::v1());
        let cols = one_column(
            &ctx,
            "SELECT grid_cell(e, n, 100.0) FROM (VALUES (-1.0, 5.0), (NULL, 5.0), (150.0, 250.0)) AS t(e, n)",
        )
        .await;
        let keys = cols[0].as_any().downcast_ref::<Int64Array>().unwrap();
        assert!(keys.is_null(0) && keys.is_null(1));
        assert_eq!(keys.value(2), GRID_KEY_STRIDE + 2);
        let err = ctx
            .sql("SELECT grid_cell(1.0, 1.0, 0.0)")
            .await
            .unwrap()
            .collect()
            .await
            .unwrap_err();
        assert!(err.to_string().contains("cell size must be a positive"), "{err}");
    }

    #[tokio::test]
    async fn harm_weight_follows_the_table_and_round_trips_as_text() {
        let custom = HarmWeights::parse("ours", "category,weight\nBurglary,7.25\nOther, odd theft,0.1\n").unwrap();
        assert_eq!(harm_table_from_text(&harm_table_text(&custom)).unwrap(), custom);
        let v1 = HarmWeights::v1();
        assert_eq!(harm_table_from_text(&harm_table_text(&v1)).unwrap(), v1);
        let ctx = session(&custom);
        let cols = one_column(
            &ctx,
            "SELECT harm_weight(arrow_cast(c, 'Dictionary(Int32, Utf8)')) FROM (VALUES ('Burglary'), ('Other, odd theft'), ('Robbery')) AS t(c)",
        )
        .await;
        let w = cols[0].as_any().downcast_ref::<Float64Array>().unwrap();
        assert_eq!((w.value(0), w.value(1)), (7.25, 0.1));
        assert!(w.is_null(2), "a category the table lacks is NULL");
        let udf = harm_weight_udf(&custom);
        assert_eq!(harm_table_of(&udf), Some(&custom));
        assert_eq!(harm_table_of(&ScalarUDF::new_from_impl(GridCell::new())), None);
    }
}
