//! `area_lsoa(lsoa_code)`: whether an LSOA is the partnership's, by lookup.
//!
//! A session with an area places every incident by its LSOA code. A join of every
//! incident with the lookup's 35,000 codes copied every column of every row (the join's
//! output) for every query that read `incidents`; this function answers per distinct
//! code instead: once per dictionary value when the column is dictionary-encoded, as the
//! store's `lsoa_code` is, then by the dictionary's keys.

use std::any::Any;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanArray};
use datafusion::arrow::compute::{cast, take};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{DataFusionError, Result as DfResult};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, TypeSignature, Volatility,
};

/// The function's SQL name.
pub const AREA_LSOA: &str = "area_lsoa";

/// `area_lsoa(code)` for an area: true for the area's LSOA codes, false for every other
/// code the lookup knows, null for a code it does not know (and for null).
pub fn area_lsoa_udf(codes: AreaCodes) -> ScalarUDF {
    ScalarUDF::new_from_impl(AreaLsoaFunction::new(codes))
}

/// The codes an `area_lsoa` function carries, if `udf` is one: the state a cluster codec
/// ships with the plan.
pub fn area_codes_of(udf: &ScalarUDF) -> Option<&AreaCodes> {
    let inner: &dyn Any = udf.inner().as_ref();
    inner.downcast_ref::<AreaLsoaFunction>().map(|f| &f.codes)
}

/// Every LSOA code the lookup knows, each flagged when it is the area's; sorted, so two
/// sets with the same codes are equal.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AreaCodes {
    codes: Vec<(String, bool)>,
}

impl AreaCodes {
    /// From (code, inside) pairs; a code listed twice counts as inside if either says so.
    pub fn new(pairs: impl IntoIterator<Item = (String, bool)>) -> AreaCodes {
        let mut map: HashMap<String, bool> = HashMap::new();
        for (code, inside) in pairs {
            *map.entry(code).or_insert(false) |= inside;
        }
        let mut codes: Vec<(String, bool)> = map.into_iter().collect();
        codes.sort();
        AreaCodes { codes }
    }

    /// As text, a line per code: `1,CODE` inside, `0,CODE` outside.
    pub fn to_text(&self) -> String {
        let mut out = String::with_capacity(self.codes.len() * 12);
        for (code, inside) in &self.codes {
            out.push(if *inside { '1' } else { '0' });
            out.push(',');
            out.push_str(code);
            out.push('\n');
        }
        out
    }

    /// Read [`AreaCodes::to_text`]'s form.
    pub fn from_text(text: &str) -> Result<AreaCodes, String> {
        let pairs = text
            .lines()
            .map(|line| match line.split_once(',') {
                Some(("1", code)) => Ok((code.to_string(), true)),
                Some(("0", code)) => Ok((code.to_string(), false)),
                _ => Err(format!("not an area code line: {line:?}")),
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(AreaCodes::new(pairs))
    }
}

#[derive(Debug)]
struct AreaLsoaFunction {
    codes: AreaCodes,
    /// Code → inside; foldhash, as this is asked once per row of a text column.
    lookup: HashMap<String, bool, foldhash::fast::RandomState>,
    /// Inline key (see [`inline_key`]) → inside, for every code of up to 12 bytes.
    by_view: HashMap<u128, bool, foldhash::fast::RandomState>,
    /// A hash of the codes, taken once: planners hash and compare functions often, and
    /// hashing 35,000 codes each time made planning slow.
    fingerprint: u64,
    signature: Signature,
}

impl AreaLsoaFunction {
    fn new(codes: AreaCodes) -> Self {
        let mut hasher = std::hash::DefaultHasher::new();
        codes.hash(&mut hasher);
        AreaLsoaFunction {
            lookup: codes.codes.iter().cloned().collect(),
            by_view: codes
                .codes
                .iter()
                .filter_map(|(code, inside)| {
                    let view = datafusion::arrow::array::builder::make_view(code.as_bytes(), 0, 0);
                    inline_key(view).map(|key| (key, *inside))
                })
                .collect(),
            fingerprint: hasher.finish(),
            codes,
            // Any type that casts to text: Utf8, a dictionary of strings, a view.
            signature: Signature::new(TypeSignature::Any(1), Volatility::Immutable),
        }
    }

    /// The answer for each value of `values` (any text type), read in place.
    fn answers(&self, values: &ArrayRef) -> DfResult<BooleanArray> {
        let answer = |c: Option<&str>| c.and_then(|c| self.lookup.get(c).copied());
        Ok(match values.data_type() {
            DataType::Utf8 => values.as_string::<i32>().iter().map(answer).collect(),
            DataType::LargeUtf8 => values.as_string::<i64>().iter().map(answer).collect(),
            DataType::Utf8View => {
                // A code of up to 12 bytes is held whole in its view: look the view up
                // (a 16-byte key) rather than hash and compare the text.
                let text = values.as_string_view();
                text.views()
                    .iter()
                    .enumerate()
                    .map(|(i, &view)| {
                        if text.is_null(i) {
                            None
                        } else if let Some(key) = inline_key(view) {
                            self.by_view.get(&key).copied()
                        } else {
                            answer(Some(text.value(i)))
                        }
                    })
                    .collect()
            }
            other => {
                let text = cast(values, &DataType::Utf8).map_err(|e| {
                    DataFusionError::Execution(format!(
                        "{AREA_LSOA}: the argument must be an LSOA code (text), got {other}: {e}"
                    ))
                })?;
                text.as_string::<i32>().iter().map(answer).collect()
            }
        })
    }
}

/// A view's length and bytes when the value is held in the view (at most 12 bytes), with
/// the bytes after the value masked off: the Arrow format asks for them to be zero, and
/// masking means a producer that leaves them dirty still finds its codes.
fn inline_key(view: u128) -> Option<u128> {
    let len = view as u32;
    (len <= 12).then(|| view & (u128::MAX >> (96 - 8 * len)))
}

impl PartialEq for AreaLsoaFunction {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other) || (self.fingerprint == other.fingerprint && self.codes == other.codes)
    }
}

impl Eq for AreaLsoaFunction {}

impl Hash for AreaLsoaFunction {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.fingerprint.hash(state);
    }
}

impl ScalarUDFImpl for AreaLsoaFunction {
    fn name(&self) -> &str {
        AREA_LSOA
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> DfResult<DataType> {
        Ok(DataType::Boolean)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        let Some(arg) = args.args.first() else {
            return Err(DataFusionError::Plan(format!("{AREA_LSOA} takes one argument")));
        };
        let array = arg.to_array(args.number_rows)?;
        let out: ArrayRef = match array.as_any_dictionary_opt() {
            // Once per distinct value, then by key (a null key gives null).
            Some(dictionary) => take(&self.answers(dictionary.values())?, dictionary.keys(), None)?,
            None => Arc::new(self.answers(&array)?),
        };
        Ok(ColumnarValue::Array(out))
    }
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::array::{DictionaryArray, StringArray, StringViewArray};
    use datafusion::arrow::datatypes::Int32Type;
    use datafusion::arrow::datatypes::{Field, Schema};
    use datafusion::arrow::record_batch::RecordBatch;
    use datafusion::datasource::MemTable;
    use datafusion::prelude::SessionContext;

    use super::*;

    fn codes() -> AreaCodes {
        AreaCodes::new([
            ("E01000001".to_string(), true),
            ("E01000002".to_string(), false),
            ("E01000003".to_string(), true),
            // Longer than a view holds inline: looked up by its text.
            ("X99 LONGER THAN TWELVE".to_string(), true),
        ])
    }

    /// The bytes after an inline value are masked off, so a view with dirty padding
    /// finds its code; the length is part of the key, so a prefix does not.
    #[test]
    fn inline_keys_ignore_padding_and_keep_the_length() {
        use datafusion::arrow::array::builder::make_view;
        let clean = make_view(b"E01000001", 0, 0);
        let dirty = clean | (0xAB_u128 << (32 + 8 * 10));
        assert_ne!(clean, dirty);
        assert_eq!(inline_key(dirty), inline_key(clean));
        assert_ne!(inline_key(make_view(b"E0100000", 0, 0)), inline_key(clean));
        assert_eq!(inline_key(make_view(b"", 0, 0)), Some(0));
        assert_eq!(inline_key(make_view(b"X99 LONGER THAN TWELVE", 0, 0)), None);
    }

    #[test]
    fn codes_survive_their_text_form() {
        let c = codes();
        assert_eq!(AreaCodes::from_text(&c.to_text()).unwrap(), c);
        assert!(AreaCodes::from_text("2,E01000001\n").is_err());
    }

    /// The function answers as a join with the codes table would, for a dictionary
    /// column (repeated values, nulls, unknown codes) and for plain text.
    #[tokio::test]
    async fn answers_match_a_join_with_the_codes() {
        let values = [
            Some("E01000001"),
            None,
            Some("E01000002"),
            Some("W01009999"),
            Some("E01000001"),
            Some("E01000003"),
            None,
            Some("X99 LONGER THAN TWELVE"),
            Some("X99 LONGER THAN TWELVE BUT UNKNOWN"),
            Some("E0100000"),
        ];
        let dictionary: DictionaryArray<Int32Type> = values.iter().copied().collect();
        let plain: StringArray = values.iter().copied().collect();
        let view: StringViewArray = values.iter().copied().collect();
        let schema = Arc::new(Schema::new(vec![
            Field::new("id", DataType::Int32, false),
            Field::new("code", dictionary.data_type().clone(), true),
            Field::new("text", DataType::Utf8, true),
            Field::new("view", DataType::Utf8View, true),
        ]));
        let ids = datafusion::arrow::array::Int32Array::from_iter_values(0..values.len() as i32);
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![Arc::new(ids), Arc::new(dictionary), Arc::new(plain), Arc::new(view)],
        )
        .unwrap();
        let ctx = SessionContext::new();
        ctx.register_table("t", Arc::new(MemTable::try_new(schema, vec![vec![batch]]).unwrap()))
            .unwrap();
        let pairs = codes().codes;
        let table_schema = Arc::new(Schema::new(vec![
            Field::new("code", DataType::Utf8, false),
            Field::new("inside", DataType::Boolean, false),
        ]));
        let table = RecordBatch::try_new(
            table_schema.clone(),
            vec![
                Arc::new(StringArray::from_iter_values(pairs.iter().map(|p| p.0.clone()))),
                Arc::new(BooleanArray::from(pairs.iter().map(|p| p.1).collect::<Vec<_>>())),
            ],
        )
        .unwrap();
        ctx.register_table(
            "codes",
            Arc::new(MemTable::try_new(table_schema, vec![vec![table]]).unwrap()),
        )
        .unwrap();
        ctx.register_udf(area_lsoa_udf(codes()));
        let by_join = ctx
            .sql("SELECT t.id, c.inside FROM t LEFT JOIN codes c ON CAST(t.code AS VARCHAR) = c.code ORDER BY t.id")
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
        for column in ["code", "text", "view"] {
            let by_function = ctx
                .sql(&format!("SELECT id, area_lsoa({column}) AS inside FROM t ORDER BY id"))
                .await
                .unwrap()
                .collect()
                .await
                .unwrap();
            let joined: Vec<Option<bool>> = by_join.iter().flat_map(|b| b.column(1).as_boolean().iter()).collect();
            let answered: Vec<Option<bool>> = by_function
                .iter()
                .flat_map(|b| b.column(1).as_boolean().iter())
                .collect();
            assert_eq!(answered, joined, "{column}");
            assert_eq!(
                answered,
                vec![
                    Some(true),
                    None,
                    Some(false),
                    None,
                    Some(true),
                    Some(true),
                    None,
                    Some(true),
                    None,
                    None
                ]
            );
        }
    }
}
