//! `text_key(text)`: a 64-bit key for a text value, so a query can group a
//! dictionary-encoded column by a number rather than by its text.
//!
//! DataFusion 55 groups a dictionary column (`category`, `source`, `force`) through its
//! row format, which copies every row's text into a row and compares the rows: with the
//! month beside it, about 40% of a national `trend --by category`'s CPU (perf,
//! BENCHMARKS.md). Two numbers are grouped column by column without copying text. For a
//! dictionary array the key is computed once per distinct value of the batch's
//! dictionary and gathered by the row's dictionary index, so the work per row is one
//! lookup. A query groups on the key and takes the text back with `any_value`:
//!
//! ```sql
//! SELECT any_value(category) AS category, COUNT(*) FROM incidents GROUP BY text_key(category)
//! ```
//!
//! **Equal text, equal key; different text, different key, or an error.** The key is
//! the 64-bit FNV-1a hash of the UTF-8 bytes (Fowler, Noll & Vo; offset basis and prime
//! as in the IETF Internet-Draft draft-eastlake-fnv), the same on every machine, so
//! Ballista executors agree. Two different texts with the same hash would merge two
//! groups, so each function instance records the text of every key it has produced and
//! fails the query if a key comes back for a different text (for the few hundred
//! category, source and force names a query meets, the chance is about 1 in 10¹⁴). Null
//! text gives a null key, which groups as the null text would.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use datafusion::arrow::array::{AnyDictionaryArray, Array, ArrayRef, AsArray, UInt64Array};
use datafusion::arrow::buffer::ScalarBuffer;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Result as DfResult, ScalarValue, exec_err, internal_err};
use datafusion::logical_expr::{ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility};

/// The FNV-1a 64-bit hash of `bytes` (offset basis 14695981039346656037, prime
/// 1099511628211).
pub fn fnv1a_64(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// The text each key of a function instance was produced for: the collision check of
/// `text_key` and `text_month_key`.
#[derive(Debug, Default)]
pub(crate) struct KeyedTexts {
    seen: Mutex<HashMap<u64, Arc<str>>>,
}

impl KeyedTexts {
    /// The key `key_of` gives each of `texts` (nulls stay null), each checked against
    /// the text it was first produced for; `function` and `bits` name the function and
    /// its key's width in the error.
    pub(crate) fn keys_of<'a>(
        &self,
        texts: impl Iterator<Item = Option<&'a str>>,
        key_of: impl Fn(&[u8]) -> u64,
        function: &str,
        bits: u32,
    ) -> DfResult<Vec<Option<u64>>> {
        let mut seen = match self.seen.lock() {
            Ok(seen) => seen,
            Err(poisoned) => poisoned.into_inner(),
        };
        texts
            .map(|text| {
                let Some(text) = text else { return Ok(None) };
                let key = key_of(text.as_bytes());
                match seen.get(&key) {
                    Some(known) if known.as_ref() != text => internal_err!(
                        "{function}: {text:?} and {known:?} have the same {bits}-bit key; the query cannot tell them apart"
                    ),
                    Some(_) => Ok(Some(key)),
                    None => {
                        seen.insert(key, Arc::from(text));
                        Ok(Some(key))
                    }
                }
            })
            .collect()
    }

    /// Record `text` as the text of `key` (to forge a collision in a test).
    #[cfg(test)]
    pub(crate) fn record(&self, key: u64, text: &str) {
        self.seen.lock().unwrap().insert(key, Arc::from(text));
    }
}

/// The `text_key` function. Its state is the text of each key it has produced, for the
/// collision check; two instances are equal whatever they have seen.
#[derive(Debug)]
pub(crate) struct TextKeyFunction {
    signature: Signature,
    seen: KeyedTexts,
}

impl TextKeyFunction {
    pub(crate) fn new() -> Self {
        TextKeyFunction {
            signature: Signature::any(1, Volatility::Immutable),
            seen: KeyedTexts::default(),
        }
    }

    /// The keys of `texts` (nulls stay null), each checked against the text it was
    /// first produced for.
    fn keys_of<'a>(&self, texts: impl Iterator<Item = Option<&'a str>>) -> DfResult<Vec<Option<u64>>> {
        self.seen.keys_of(texts, fnv1a_64, "text_key", 64)
    }
}

impl PartialEq for TextKeyFunction {
    fn eq(&self, other: &Self) -> bool {
        self.signature == other.signature
    }
}

impl Eq for TextKeyFunction {}

impl std::hash::Hash for TextKeyFunction {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.signature.hash(state);
    }
}

/// The values of a text array of any of Arrow's three string layouts, or `None` for
/// another type.
pub(crate) fn texts(array: &dyn Array) -> Option<Box<dyn Iterator<Item = Option<&str>> + '_>> {
    match array.data_type() {
        DataType::Utf8 => Some(Box::new(array.as_string::<i32>().iter())),
        DataType::LargeUtf8 => Some(Box::new(array.as_string::<i64>().iter())),
        DataType::Utf8View => Some(Box::new(array.as_string_view().iter())),
        _ => None,
    }
}

pub(crate) fn is_text(data_type: &DataType) -> bool {
    matches!(data_type, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)
}

impl ScalarUDFImpl for TextKeyFunction {
    fn name(&self) -> &str {
        "text_key"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> DfResult<DataType> {
        match arg_types {
            [DataType::Dictionary(_, value)] if is_text(value) => Ok(DataType::UInt64),
            [t] if is_text(t) || t.is_null() => Ok(DataType::UInt64),
            [other] => exec_err!("text_key: the argument must be text, got {other}"),
            _ => exec_err!("text_key takes one argument"),
        }
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        let [arg] = args.args.as_slice() else {
            return exec_err!("text_key takes one argument");
        };
        let array = match arg {
            ColumnarValue::Array(array) => Arc::clone(array),
            ColumnarValue::Scalar(scalar) if scalar.is_null() => {
                return Ok(ColumnarValue::Scalar(ScalarValue::UInt64(None)));
            }
            ColumnarValue::Scalar(scalar) => scalar.to_array_of_size(1)?,
        };
        let keys = key_array(self, &array)?;
        shaped_result(keys, matches!(arg, ColumnarValue::Scalar(_)))
    }
}

/// How many rows a key function computes for `args`: every row, or one when every
/// argument is a scalar (see [`shaped_result`]).
pub(crate) fn rows_to_compute(args: &ScalarFunctionArgs) -> (usize, bool) {
    let scalar = args.args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_)));
    (if scalar { 1 } else { args.number_rows }, scalar)
}

/// A key function's `values` as its result: a scalar (from the one computed row) when
/// every argument was a scalar, else the array.
pub(crate) fn shaped_result(values: ArrayRef, scalar: bool) -> DfResult<ColumnarValue> {
    Ok(if scalar {
        ColumnarValue::Scalar(ScalarValue::try_from_array(&values, 0)?)
    } else {
        ColumnarValue::Array(values)
    })
}

/// Each row's index into a dictionary's values, as Arrow's `normalized_keys` gives it,
/// but without its panic on a dictionary with no values: every row of one is null (a
/// valid array has no index to point at), and each gets an index past the end.
pub(crate) fn value_indexes(dictionary: &dyn AnyDictionaryArray) -> Vec<usize> {
    if dictionary.values().is_empty() {
        return vec![usize::MAX; dictionary.keys().len()];
    }
    dictionary.normalized_keys()
}

/// The keys of every row of `array`: for a dictionary, one key per dictionary value,
/// gathered by the rows' indexes.
fn key_array(function: &TextKeyFunction, array: &ArrayRef) -> DfResult<ArrayRef> {
    if let Some(dictionary) = array.as_any_dictionary_opt() {
        let Some(values) = texts(dictionary.values().as_ref()) else {
            return exec_err!("text_key: the argument must be text, got {}", array.data_type());
        };
        let value_keys: Vec<u64> = function.keys_of(values)?.into_iter().map(|k| k.unwrap_or(0)).collect();
        let rows: ScalarBuffer<u64> = value_indexes(dictionary)
            .into_iter()
            .map(|i| value_keys.get(i).copied().unwrap_or(0))
            .collect();
        // Null where the row's index is null or points at a null value.
        return Ok(Arc::new(UInt64Array::new(rows, array.logical_nulls())));
    }
    let Some(values) = texts(array.as_ref()) else {
        return exec_err!("text_key: the argument must be text, got {}", array.data_type());
    };
    Ok(Arc::new(UInt64Array::from(function.keys_of(values)?)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{DictionaryArray, StringArray, StringViewArray};
    use datafusion::arrow::datatypes::{Field, Int32Type};
    use datafusion::config::ConfigOptions;

    fn run(function: &TextKeyFunction, array: ArrayRef) -> DfResult<UInt64Array> {
        let rows = array.len();
        let args = ScalarFunctionArgs {
            args: vec![ColumnarValue::Array(Arc::clone(&array))],
            arg_fields: vec![Arc::new(Field::new("x", array.data_type().clone(), true))],
            number_rows: rows,
            return_field: Arc::new(Field::new("k", DataType::UInt64, true)),
            config_options: Arc::new(ConfigOptions::default()),
        };
        let out = function.invoke_with_args(args)?.into_array(rows)?;
        Ok(out.as_primitive::<datafusion::arrow::datatypes::UInt64Type>().clone())
    }

    #[test]
    fn fnv1a_matches_the_published_test_vectors() {
        // The FNV reference test vectors (FNV-1a, 64 bits) for "", "a" and "foobar".
        assert_eq!(fnv1a_64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a_64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a_64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn a_dictionary_and_plain_text_give_each_row_the_key_of_its_text() {
        let function = TextKeyFunction::new();
        // Two batches whose dictionaries list the same texts in different orders.
        let first: DictionaryArray<Int32Type> = vec![Some("Burglary"), None, Some("Drugs"), Some("Burglary")]
            .into_iter()
            .collect();
        let second: DictionaryArray<Int32Type> = vec![Some("Drugs"), Some("Burglary")].into_iter().collect();
        let plain = StringArray::from(vec![Some("Burglary"), None, Some("Drugs"), Some("Burglary")]);
        let views = StringViewArray::from(vec![Some("Drugs"), Some("Burglary")]);
        let first = run(&function, Arc::new(first)).unwrap();
        let second = run(&function, Arc::new(second)).unwrap();
        let expected = |t: &str| Some(fnv1a_64(t.as_bytes()));
        let rows = |a: &UInt64Array| a.iter().collect::<Vec<_>>();
        assert_eq!(
            rows(&first),
            vec![expected("Burglary"), None, expected("Drugs"), expected("Burglary")]
        );
        assert_eq!(rows(&second), vec![expected("Drugs"), expected("Burglary")]);
        assert_eq!(rows(&run(&function, Arc::new(plain)).unwrap()), rows(&first));
        assert_eq!(rows(&run(&function, Arc::new(views)).unwrap()), rows(&second));
        assert_ne!(expected("Burglary"), expected("Drugs"));
    }

    #[test]
    fn a_null_dictionary_value_gives_a_null_key() {
        let function = TextKeyFunction::new();
        let values = StringArray::from(vec![Some("Arson"), None]);
        let keys = datafusion::arrow::array::Int32Array::from(vec![0, 1, 0]);
        let dictionary = DictionaryArray::<Int32Type>::try_new(keys, Arc::new(values)).unwrap();
        let out = run(&function, Arc::new(dictionary)).unwrap();
        assert_eq!(
            out.iter().collect::<Vec<_>>(),
            vec![Some(fnv1a_64(b"Arson")), None, Some(fnv1a_64(b"Arson"))]
        );
    }

    #[test]
    fn a_dictionary_without_values_gives_null_keys() {
        // What the Parquet reader gives for a column chunk that is null in every row.
        let function = TextKeyFunction::new();
        let keys = datafusion::arrow::array::Int32Array::from(vec![None, None, None]);
        let empty = DictionaryArray::<Int32Type>::try_new(keys, Arc::new(StringArray::from(Vec::<&str>::new())));
        let out = run(&function, Arc::new(empty.unwrap())).unwrap();
        assert_eq!((out.len(), out.null_count()), (3, 3));
    }

    #[test]
    fn a_key_seen_for_another_text_fails_the_query() {
        let function = TextKeyFunction::new();
        // Forge a collision: record "Arson"'s key as belonging to another text.
        function.seen.record(fnv1a_64(b"Arson"), "Not arson");
        let err = run(&function, Arc::new(StringArray::from(vec!["Arson"]))).unwrap_err();
        assert!(err.to_string().contains("same 64-bit key"), "{err}");
    }

    #[test]
    fn other_types_are_refused() {
        let function = TextKeyFunction::new();
        assert!(function.return_type(&[DataType::Int64]).is_err());
        assert_eq!(
            function
                .return_type(&[DataType::Dictionary(
                    Box::new(DataType::Int32),
                    Box::new(DataType::Utf8)
                )])
                .unwrap(),
            DataType::UInt64
        );
    }
}
