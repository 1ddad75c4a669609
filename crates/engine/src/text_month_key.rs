//! `text_month_key(text, month)` and `key_month(key)`: one 64-bit number for a pair of
//! a text and a month, so that a trend counting per group and month groups on a single
//! number column.
//!
//! DataFusion 55 groups two columns (`text_key(category), month`) through its
//! column-by-column group values, and one number column through a plain hash table of
//! numbers. On a national `trend --by category`, grouping on this key took the command
//! from 0.151 to 0.136 s (12 alternating pairs; BENCHMARKS.md). The trend queries group
//! on the key, take the text back with `any_value` and the month with `key_month`:
//!
//! ```sql
//! SELECT any_value(category) AS category, key_month(text_month_key(category, month)) AS month,
//!        COUNT(*) AS n
//! FROM incidents GROUP BY text_month_key(category, month)
//! ```
//!
//! **The key.** Its top 40 bits are the top 40 bits of the text's 64-bit FNV-1a hash
//! ([`crate::text_key::fnv1a_64`]), or 0 for null text. Its low 24 bits are the month's
//! day number (days since 1970-01-01) plus 2²³, or 0 for a null month; a month more
//! than 22,000 years from 1970 fails the query. The month is exact, so two rows share a
//! key only if their months are equal and their texts share the 40 bits.
//!
//! **Equal pairs, equal keys; different pairs, different keys, or an error.** As for
//! `text_key`, each function instance records the text of every 40-bit part it has
//! produced and fails the query if one comes back for a different text, and a text
//! whose part is 0 (the null text's) fails it too. For the few hundred category,
//! theme, source or force names of a trend, the chance of either is about 1 in 10⁷
//! per query; it is an error, never a merged group. The key is the same on every
//! machine, so Ballista executors agree.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Date32Array, UInt64Array};
use datafusion::arrow::buffer::ScalarBuffer;
use datafusion::arrow::datatypes::{DataType, Date32Type, UInt64Type};
use datafusion::common::{Result as DfResult, exec_err, internal_err};
use datafusion::logical_expr::{ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility};

use crate::text_key::{KeyedTexts, fnv1a_64, is_text, rows_to_compute, shaped_result, texts, value_indexes};

/// The key's low bits, which hold the month.
const MONTH_BITS: u32 = 24;
/// The month's bits of a key.
const MONTH_MASK: u64 = (1 << MONTH_BITS) - 1;
/// Added to a month's day number so that every month's code is above 0 (a null month's).
const MONTH_OFFSET: i64 = 1 << (MONTH_BITS - 1);

/// The text's part of a key: the top 40 bits of its FNV-1a hash.
fn text_part(bytes: &[u8]) -> u64 {
    fnv1a_64(bytes) & !MONTH_MASK
}

/// The month's part of a key, for a day number (`None`: a null month).
fn month_code(days: Option<i32>) -> DfResult<u64> {
    let Some(days) = days else { return Ok(0) };
    let code = i64::from(days) + MONTH_OFFSET;
    if code <= 0 || code > MONTH_MASK as i64 {
        return exec_err!("text_month_key: the month {days} days from 1970-01-01 is too far from 1970 for a key");
    }
    Ok(code as u64)
}

/// The `text_month_key` function. Its state is the text of each 40-bit part it has
/// produced, for the collision check; two instances are equal whatever they have seen.
#[derive(Debug)]
pub(crate) struct TextMonthKeyFunction {
    signature: Signature,
    seen: KeyedTexts,
}

impl TextMonthKeyFunction {
    pub(crate) fn new() -> Self {
        TextMonthKeyFunction {
            signature: Signature::any(2, Volatility::Immutable),
            seen: KeyedTexts::default(),
        }
    }

    /// The text parts of `texts` (0 for null), each checked against the text it was
    /// first produced for and against the null text's part.
    fn parts_of<'a>(&self, texts: impl Iterator<Item = Option<&'a str>>) -> DfResult<Vec<u64>> {
        self.parts_by(texts, text_part)
    }

    /// [`TextMonthKeyFunction::parts_of`] with the part computed by `part` (a test
    /// forges one that lands on the null text's part).
    fn parts_by<'a>(
        &self,
        texts: impl Iterator<Item = Option<&'a str>>,
        part: impl Fn(&[u8]) -> u64,
    ) -> DfResult<Vec<u64>> {
        let parts = self.seen.keys_of(texts, part, "text_month_key", 40)?;
        if parts.contains(&Some(0)) {
            return internal_err!("text_month_key: a text has the key of null text; the query cannot tell them apart");
        }
        Ok(parts.into_iter().map(|p| p.unwrap_or(0)).collect())
    }

    /// The text part of every row of `array`: for a dictionary, one per dictionary
    /// value, gathered by the rows' indexes.
    fn row_parts(&self, array: &ArrayRef) -> DfResult<Vec<u64>> {
        let not_text = || {
            exec_err!(
                "text_month_key: the first argument must be text, got {}",
                array.data_type()
            )
        };
        if let Some(dictionary) = array.as_any_dictionary_opt() {
            let Some(values) = texts(dictionary.values().as_ref()) else {
                return not_text();
            };
            let value_parts = self.parts_of(values)?;
            let nulls = array.logical_nulls();
            return Ok(value_indexes(dictionary)
                .into_iter()
                .enumerate()
                .map(|(row, i)| {
                    let null = nulls.as_ref().is_some_and(|n| n.is_null(row));
                    if null {
                        0
                    } else {
                        value_parts.get(i).copied().unwrap_or(0)
                    }
                })
                .collect());
        }
        if array.data_type().is_null() {
            return Ok(vec![0; array.len()]);
        }
        let Some(values) = texts(array.as_ref()) else {
            return not_text();
        };
        self.parts_of(values)
    }
}

impl PartialEq for TextMonthKeyFunction {
    fn eq(&self, other: &Self) -> bool {
        self.signature == other.signature
    }
}

impl Eq for TextMonthKeyFunction {}

impl std::hash::Hash for TextMonthKeyFunction {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.signature.hash(state);
    }
}

impl ScalarUDFImpl for TextMonthKeyFunction {
    fn name(&self) -> &str {
        "text_month_key"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> DfResult<DataType> {
        let [text, month] = arg_types else {
            return exec_err!("text_month_key takes two arguments: a text and a month");
        };
        let text_ok = match text {
            DataType::Dictionary(_, value) => is_text(value),
            t => is_text(t) || t.is_null(),
        };
        if !text_ok {
            return exec_err!("text_month_key: the first argument must be text, got {text}");
        }
        if !matches!(month, DataType::Date32 | DataType::Null) {
            return exec_err!("text_month_key: the second argument must be a date (Date32), got {month}");
        }
        Ok(DataType::UInt64)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        let [text, month] = args.args.as_slice() else {
            return exec_err!("text_month_key takes two arguments: a text and a month");
        };
        let (rows, scalar) = rows_to_compute(&args);
        let parts = self.row_parts(&text.to_array(rows)?)?;
        let months = month.to_array(rows)?;
        let keys: Vec<u64> = if months.data_type().is_null() {
            parts
        } else {
            let months = months.as_primitive::<Date32Type>();
            let mut keys = Vec::with_capacity(rows);
            for (part, days) in parts.into_iter().zip(months.iter()) {
                keys.push(part | month_code(days)?);
            }
            keys
        };
        shaped_result(Arc::new(UInt64Array::new(ScalarBuffer::from(keys), None)), scalar)
    }
}

/// The `key_month` function: the month of a `text_month_key` key (null for a null
/// month or a null key).
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct KeyMonthFunction {
    signature: Signature,
}

impl KeyMonthFunction {
    pub(crate) fn new() -> Self {
        KeyMonthFunction {
            signature: Signature::exact(vec![DataType::UInt64], Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for KeyMonthFunction {
    fn name(&self) -> &str {
        "key_month"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> DfResult<DataType> {
        Ok(DataType::Date32)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        let [key] = args.args.as_slice() else {
            return exec_err!("key_month takes one argument");
        };
        let month = |key: Option<u64>| {
            key.map(|k| k & MONTH_MASK)
                .filter(|&code| code != 0)
                .map(|code| (code as i64 - MONTH_OFFSET) as i32)
        };
        let (rows, scalar) = rows_to_compute(&args);
        let keys = key.to_array(rows)?;
        let months: ArrayRef = Arc::new(
            keys.as_primitive::<UInt64Type>()
                .iter()
                .map(month)
                .collect::<Date32Array>(),
        );
        shaped_result(months, scalar)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{DictionaryArray, StringArray};
    use datafusion::arrow::datatypes::{Field, Int32Type};
    use datafusion::config::ConfigOptions;

    fn args(columns: Vec<ColumnarValue>, rows: usize) -> ScalarFunctionArgs {
        let arg_fields = columns
            .iter()
            .map(|c| Arc::new(Field::new("x", c.data_type(), true)))
            .collect();
        ScalarFunctionArgs {
            args: columns,
            arg_fields,
            number_rows: rows,
            return_field: Arc::new(Field::new("k", DataType::UInt64, true)),
            config_options: Arc::new(ConfigOptions::default()),
        }
    }

    fn keys(function: &TextMonthKeyFunction, text: ArrayRef, months: Vec<Option<i32>>) -> DfResult<Vec<u64>> {
        let rows = text.len();
        let months: ArrayRef = Arc::new(Date32Array::from(months));
        let out = function.invoke_with_args(args(
            vec![ColumnarValue::Array(text), ColumnarValue::Array(months)],
            rows,
        ))?;
        Ok(out.to_array(rows)?.as_primitive::<UInt64Type>().values().to_vec())
    }

    fn months_of(keys: &[u64]) -> Vec<Option<i32>> {
        let array: ArrayRef = Arc::new(UInt64Array::from(keys.to_vec()));
        let out = KeyMonthFunction::new()
            .invoke_with_args(args(vec![ColumnarValue::Array(array)], keys.len()))
            .unwrap()
            .to_array(keys.len())
            .unwrap();
        out.as_primitive::<Date32Type>().iter().collect()
    }

    /// 2025-01-01 and 2025-02-01 as day numbers.
    const JAN: i32 = 20089;
    const FEB: i32 = 20120;

    #[test]
    fn rows_with_the_same_text_and_month_share_a_key_and_no_others_do() {
        let function = TextMonthKeyFunction::new();
        let texts: DictionaryArray<Int32Type> = vec![
            Some("Burglary"),
            Some("Burglary"),
            Some("Drugs"),
            None,
            None,
            Some("Burglary"),
        ]
        .into_iter()
        .collect();
        let months = vec![Some(JAN), Some(FEB), Some(JAN), Some(JAN), Some(FEB), Some(JAN)];
        let k = keys(&function, Arc::new(texts), months.clone()).unwrap();
        // Rows 0 and 5 are one pair; every other pair of rows differs.
        for a in 0..k.len() {
            for b in 0..k.len() {
                let same_pair = a == b || matches!((a, b), (0, 5) | (5, 0));
                assert_eq!(k[a] == k[b], same_pair, "rows {a} and {b}: {k:?}");
            }
        }
        // The same texts as plain strings give the same keys.
        let plain = StringArray::from(vec![
            Some("Burglary"),
            Some("Burglary"),
            Some("Drugs"),
            None,
            None,
            Some("Burglary"),
        ]);
        assert_eq!(keys(&function, Arc::new(plain), months.clone()).unwrap(), k);
        // The month comes back exactly.
        assert_eq!(months_of(&k), months);
    }

    #[test]
    fn a_dictionary_without_values_gives_the_null_texts_key() {
        // What the Parquet reader gives for a column chunk that is null in every row:
        // each row has the key of a null text in its month.
        let function = TextMonthKeyFunction::new();
        let none = datafusion::arrow::array::Int32Array::from(vec![None, None]);
        let empty = DictionaryArray::<Int32Type>::try_new(none, Arc::new(StringArray::from(Vec::<&str>::new())));
        let empty = empty.unwrap();
        let none = datafusion::arrow::array::Int32Array::from(vec![None, None]);
        let nulls = DictionaryArray::<Int32Type>::try_new(none, Arc::new(StringArray::from(vec!["Arson"]))).unwrap();
        let months = vec![Some(JAN), Some(FEB)];
        assert_eq!(
            keys(&function, Arc::new(empty), months.clone()).unwrap(),
            keys(&function, Arc::new(nulls), months).unwrap()
        );
    }

    #[test]
    fn months_come_back_exactly_across_the_range_and_null_stays_null() {
        let function = TextMonthKeyFunction::new();
        let days = vec![
            Some(-(1 << 23) + 1),
            Some(-719_162), // 0001-01-01
            Some(0),
            Some(JAN),
            Some(2_932_896), // 9999-12-31
            Some((1 << 23) - 1),
            None,
        ];
        let texts: ArrayRef = Arc::new(StringArray::from(vec![Some("x"); days.len()]));
        let k = keys(&function, texts, days.clone()).unwrap();
        assert_eq!(months_of(&k), days);
        // One day beyond either end fails the query rather than wrapping.
        for outside in [-(1 << 23), 1 << 23] {
            let texts: ArrayRef = Arc::new(StringArray::from(vec!["x"]));
            let err = keys(&function, texts, vec![Some(outside)]).unwrap_err();
            assert!(err.to_string().contains("too far"), "{err}");
        }
    }

    /// Scalar arguments (a constant in SQL) give a scalar, computed once, equal to the
    /// key of the same pair in an array, whatever the batch's row count.
    #[test]
    fn scalar_arguments_give_the_scalar_key() {
        use datafusion::common::ScalarValue;
        let function = TextMonthKeyFunction::new();
        let scalars = vec![
            ColumnarValue::Scalar(ScalarValue::Utf8(Some("Arson".into()))),
            ColumnarValue::Scalar(ScalarValue::Date32(Some(JAN))),
        ];
        let ColumnarValue::Scalar(ScalarValue::UInt64(Some(key))) =
            function.invoke_with_args(args(scalars, 5)).unwrap()
        else {
            panic!("not a UInt64 scalar")
        };
        let texts: ArrayRef = Arc::new(StringArray::from(vec!["Arson"]));
        assert_eq!(keys(&function, texts, vec![Some(JAN)]).unwrap(), [key]);
        let month = KeyMonthFunction::new()
            .invoke_with_args(args(vec![ColumnarValue::Scalar(ScalarValue::UInt64(Some(key)))], 5))
            .unwrap();
        assert!(matches!(month, ColumnarValue::Scalar(ScalarValue::Date32(Some(JAN)))));
    }

    #[test]
    fn the_text_part_is_the_top_of_the_text_key() {
        let function = TextMonthKeyFunction::new();
        let texts: ArrayRef = Arc::new(StringArray::from(vec!["Arson", "Arson"]));
        let k = keys(&function, texts, vec![Some(JAN), Some(FEB)]).unwrap();
        for key in k {
            assert_eq!(key >> 24, fnv1a_64(b"Arson") >> 24);
        }
    }

    #[test]
    fn a_part_seen_for_another_text_fails_the_query() {
        let function = TextMonthKeyFunction::new();
        function.seen.record(text_part(b"Arson"), "Not arson");
        let texts: ArrayRef = Arc::new(StringArray::from(vec!["Arson"]));
        let err = keys(&function, texts, vec![Some(JAN)]).unwrap_err();
        assert!(err.to_string().contains("same 40-bit key"), "{err}");
    }

    /// A text whose part is 0 (a 2⁻⁴⁰ chance for FNV-1a's top 40 bits) would share
    /// the null text's key: the query fails instead of merging them. Null itself is 0.
    #[test]
    fn a_text_with_the_null_texts_part_fails_the_query() {
        let function = TextMonthKeyFunction::new();
        let err = function.parts_by([Some("Arson")].into_iter(), |_| 0).unwrap_err();
        assert!(err.to_string().contains("the key of null text"), "{err}");
        assert_eq!(function.parts_by([None, None].into_iter(), |_| 0).unwrap(), vec![0, 0]);
        let other = TextMonthKeyFunction::new();
        assert_eq!(
            other.parts_by([Some("Arson"), None].into_iter(), |_| 1 << 24).unwrap(),
            vec![1 << 24, 0]
        );
    }

    #[test]
    fn other_types_are_refused() {
        let function = TextMonthKeyFunction::new();
        assert!(function.return_type(&[DataType::Int64, DataType::Date32]).is_err());
        assert!(function.return_type(&[DataType::Utf8, DataType::Int32]).is_err());
        assert!(function.return_type(&[DataType::Utf8]).is_err());
        let dictionary = DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
        assert_eq!(
            function.return_type(&[dictionary, DataType::Date32]).unwrap(),
            DataType::UInt64
        );
    }
}
