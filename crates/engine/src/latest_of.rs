//! `latest_of(value, month, source_file, source_line)`: per group, the `value` of the
//! latest row by `(month, source_file, source_line)`, nulls last. It gives what
//! `last_value(value ORDER BY month, source_file, source_line)` gives, as a grouped
//! accumulator over small per-group records.
//!
//! **Why.** The `incidents` view of a store with outcomes files takes each crime's
//! latest outcome this way (`queries/incidents_with_latest_outcome.sql`). DataFusion
//! 55's `last_value` with an `ORDER BY` keeps one boxed accumulator per group when the
//! value is dictionary-encoded, as `outcome_type` is. On a national year of synthetic
//! outcomes (9.7 M rows, 6.2 M crimes) `SELECT count(o) FROM (SELECT crime_id,
//! last_value(outcome_type ORDER BY month, source_file, source_line) AS o FROM outcomes
//! GROUP BY crime_id)` took 45.7 s and 8.2 GB; with the value cast to text, so that its
//! grouped accumulator applies, 7.2 s and 3.1 GB; `max(outcome_type)` in its place
//! 3.0 s and 1.3 GB (BENCHMARKS.md has the runs).
//!
//! **How.** Each group keeps one fixed-size record: the month, the line, and the file
//! and value as numbers into a table of the texts met (outcome types and file names are
//! few). A dictionary column's texts are looked up once per batch, not once per row.
//! File names are compared as text only when two months are equal.
//!
//! **Ties.** Two rows with the same month, file and line (which a store does not hold:
//! a file's lines are distinct) are ordered by their values, nulls last, so the answer
//! is the same whichever order the rows arrive in, on any number of threads.
//!
//! The value is returned as text (`Utf8`). Rows the `FILTER` clause leaves out are not
//! counted; a group with no row gives null.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Date32Array, StringArray, StringBuilder, UInt64Array,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Date32Type, Field, FieldRef, UInt64Type};
use datafusion::common::{Result as DfResult, ScalarValue, exec_err, internal_err, plan_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{Accumulator, AggregateUDFImpl, EmitTo, GroupsAccumulator, Signature, Volatility};

/// The function's SQL name.
pub const LATEST_OF: &str = "latest_of";

/// The `latest_of` aggregate (see the module docs).
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct LatestOfFunction {
    signature: Signature,
}

impl LatestOfFunction {
    /// The function, taking any four arguments; [`AggregateUDFImpl::return_type`]
    /// checks their types.
    pub fn new() -> Self {
        LatestOfFunction {
            signature: Signature::any(4, Volatility::Immutable),
        }
    }
}

impl Default for LatestOfFunction {
    fn default() -> Self {
        Self::new()
    }
}

/// Whether `data_type` is text, or a dictionary of text.
fn is_text(data_type: &DataType) -> bool {
    match data_type {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => true,
        DataType::Dictionary(_, values) => is_text(values),
        _ => false,
    }
}

impl AggregateUDFImpl for LatestOfFunction {
    fn name(&self) -> &str {
        LATEST_OF
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> DfResult<DataType> {
        let [value, month, file, line] = arg_types else {
            return plan_err!("{LATEST_OF} takes (value, month, source_file, source_line)");
        };
        let month_ok = matches!(month, DataType::Date32 | DataType::Null);
        let line_ok = line.is_integer() || *line == DataType::Null;
        if !(is_text(value) || *value == DataType::Null)
            || !month_ok
            || !(is_text(file) || *file == DataType::Null)
            || !line_ok
        {
            return plan_err!(
                "{LATEST_OF}(value, month, source_file, source_line) takes text, a date, text and an integer; got {value}, {month}, {file}, {line}"
            );
        }
        Ok(DataType::Utf8)
    }

    fn accumulator(&self, _args: AccumulatorArgs) -> DfResult<Box<dyn Accumulator>> {
        Ok(Box::new(OneGroup(LatestOfGroups::default())))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> DfResult<Vec<FieldRef>> {
        let field = |part: &str, data_type: DataType| -> FieldRef {
            Arc::new(Field::new(format_state_name(args.name, part), data_type, true))
        };
        Ok(vec![
            field("value", DataType::Utf8),
            field("month", DataType::Date32),
            field("source_file", DataType::Utf8),
            field("source_line", DataType::UInt64),
            field("seen", DataType::Boolean),
        ])
    }

    fn groups_accumulator_supported(&self, _args: AccumulatorArgs) -> bool {
        true
    }

    fn create_groups_accumulator(&self, _args: AccumulatorArgs) -> DfResult<Box<dyn GroupsAccumulator>> {
        Ok(Box::new(LatestOfGroups::default()))
    }
}

/// The texts an accumulator has met, each once, numbered in the order met.
#[derive(Debug, Default)]
struct Texts {
    ids: HashMap<Box<str>, u32, foldhash::fast::RandomState>,
    texts: Vec<Box<str>>,
}

impl Texts {
    fn id(&mut self, text: &str) -> DfResult<u32> {
        if let Some(&id) = self.ids.get(text) {
            return Ok(id);
        }
        let Ok(id) = u32::try_from(self.texts.len()) else {
            return exec_err!("{LATEST_OF} met more than 2^32 distinct texts");
        };
        self.texts.push(text.into());
        self.ids.insert(text.into(), id);
        Ok(id)
    }

    fn text(&self, id: u32) -> &str {
        &self.texts[id as usize]
    }

    /// Each row's text as an id into the table (None for null). A dictionary's texts
    /// are looked up once each.
    fn ids_of(&mut self, array: &ArrayRef) -> DfResult<Vec<Option<u32>>> {
        if let Some(dictionary) = array.as_any_dictionary_opt() {
            let values = cast(dictionary.values(), &DataType::Utf8)?;
            let values = values.as_string::<i32>();
            let ids = (0..values.len())
                .map(|i| values.is_valid(i).then(|| self.id(values.value(i))).transpose())
                .collect::<DfResult<Vec<_>>>()?;
            // Arrow's normalized_keys asserts on a dictionary with no values; every row
            // of one is null.
            if ids.is_empty() {
                return Ok(vec![None; array.len()]);
            }
            let keys = dictionary.normalized_keys();
            return Ok((0..array.len())
                .map(|row| if array.is_valid(row) { ids[keys[row]] } else { None })
                .collect());
        }
        let strings = cast(array, &DataType::Utf8)?;
        let strings = strings.as_string::<i32>();
        strings.iter().map(|s| s.map(|s| self.id(s)).transpose()).collect()
    }
}

/// One group's latest row so far. `None` sorts after every value (nulls last).
#[derive(Debug, Clone, Copy, Default)]
struct Latest {
    seen: bool,
    month: Option<i32>,
    file: Option<u32>,
    line: Option<u64>,
    value: Option<u32>,
}

/// `a` against `b` with `None` last.
fn nulls_last<T: Ord>(a: Option<T>, b: Option<T>) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) => a.cmp(&b),
        (a, b) => b.is_some().cmp(&a.is_some()),
    }
}

impl Latest {
    /// Whether `self` comes after `other` by (month, file, line), then value.
    fn is_after(&self, other: &Latest, texts: &Texts) -> bool {
        let text = |id: Option<u32>| id.map(|id| texts.text(id));
        let order = nulls_last(self.month, other.month)
            .then_with(|| {
                if self.file == other.file {
                    Ordering::Equal
                } else {
                    nulls_last(text(self.file), text(other.file))
                }
            })
            .then_with(|| nulls_last(self.line, other.line))
            .then_with(|| {
                if self.value == other.value {
                    Ordering::Equal
                } else {
                    nulls_last(text(self.value), text(other.value))
                }
            });
        order == Ordering::Greater
    }
}

/// The grouped accumulator: one [`Latest`] per group.
#[derive(Debug, Default)]
struct LatestOfGroups {
    texts: Texts,
    groups: Vec<Latest>,
}

impl LatestOfGroups {
    /// Fold the rows `(value, month, file, line)` into their groups, skipping rows
    /// `keep` leaves out.
    fn fold(
        &mut self,
        columns: &[ArrayRef],
        group_indices: &[usize],
        keep: impl Fn(usize) -> bool,
        total_num_groups: usize,
    ) -> DfResult<()> {
        let [value, month, file, line] = columns else {
            return internal_err!("{LATEST_OF} takes 4 columns, got {}", columns.len());
        };
        if self.groups.len() < total_num_groups {
            self.groups.resize(total_num_groups, Latest::default());
        }
        let values = self.texts.ids_of(value)?;
        let files = self.texts.ids_of(file)?;
        let month = cast(month, &DataType::Date32)?;
        let month = month.as_primitive::<Date32Type>();
        let line = cast(line, &DataType::UInt64)?;
        let line = line.as_primitive::<UInt64Type>();
        for (row, &group) in group_indices.iter().enumerate() {
            if !keep(row) {
                continue;
            }
            let candidate = Latest {
                seen: true,
                month: month.is_valid(row).then(|| month.value(row)),
                file: files[row],
                line: line.is_valid(row).then(|| line.value(row)),
                value: values[row],
            };
            let Some(best) = self.groups.get_mut(group) else {
                return internal_err!("{LATEST_OF}: group {group} of {total_num_groups}");
            };
            if !best.seen || candidate.is_after(best, &self.texts) {
                *best = candidate;
            }
        }
        Ok(())
    }

    /// The groups' values as text.
    fn values_array(&self, groups: &[Latest]) -> ArrayRef {
        let mut out = StringBuilder::with_capacity(groups.len(), groups.len() * 16);
        for g in groups {
            out.append_option(g.value.filter(|_| g.seen).map(|id| self.texts.text(id)));
        }
        Arc::new(out.finish())
    }

    /// The groups' state: value, month, file, line and whether the group saw a row.
    fn state_arrays(&self, groups: &[Latest]) -> Vec<ArrayRef> {
        let text = |id: Option<u32>| id.map(|id| self.texts.text(id));
        vec![
            Arc::new(groups.iter().map(|g| text(g.value)).collect::<StringArray>()),
            Arc::new(groups.iter().map(|g| g.month).collect::<Date32Array>()),
            Arc::new(groups.iter().map(|g| text(g.file)).collect::<StringArray>()),
            Arc::new(groups.iter().map(|g| g.line).collect::<UInt64Array>()),
            Arc::new(groups.iter().map(|g| Some(g.seen)).collect::<BooleanArray>()),
        ]
    }
}

impl GroupsAccumulator for LatestOfGroups {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> DfResult<()> {
        match opt_filter {
            None => self.fold(values, group_indices, |_| true, total_num_groups),
            Some(filter) => self.fold(
                values,
                group_indices,
                |row| filter.is_valid(row) && filter.value(row),
                total_num_groups,
            ),
        }
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> DfResult<ArrayRef> {
        let groups = emit_to.take_needed(&mut self.groups);
        Ok(self.values_array(&groups))
    }

    fn state(&mut self, emit_to: EmitTo) -> DfResult<Vec<ArrayRef>> {
        let groups = emit_to.take_needed(&mut self.groups);
        Ok(self.state_arrays(&groups))
    }

    fn merge_batch(&mut self, values: &[ArrayRef], group_indices: &[usize], total_num_groups: usize) -> DfResult<()> {
        let [columns @ .., seen] = values else {
            return internal_err!("{LATEST_OF}: empty state");
        };
        let seen = seen.as_boolean();
        self.fold(
            columns,
            group_indices,
            |row| seen.is_valid(row) && seen.value(row),
            total_num_groups,
        )
    }

    /// Each row as a state of its own, for when DataFusion skips the partial
    /// aggregation (most groups hold one or two rows, as a year's crimes do).
    fn convert_to_state(&self, values: &[ArrayRef], opt_filter: Option<&BooleanArray>) -> DfResult<Vec<ArrayRef>> {
        let [value, month, file, line] = values else {
            return internal_err!("{LATEST_OF} takes 4 columns, got {}", values.len());
        };
        let seen: BooleanArray = match opt_filter {
            None => std::iter::repeat_n(Some(true), value.len()).collect(),
            Some(filter) => (0..filter.len())
                .map(|row| Some(filter.is_valid(row) && filter.value(row)))
                .collect(),
        };
        Ok(vec![
            cast(value, &DataType::Utf8)?,
            cast(month, &DataType::Date32)?,
            cast(file, &DataType::Utf8)?,
            cast(line, &DataType::UInt64)?,
            Arc::new(seen),
        ])
    }

    fn size(&self) -> usize {
        self.groups.capacity() * size_of::<Latest>() + self.texts.texts.iter().map(|t| 2 * t.len() + 48).sum::<usize>()
    }
}

/// The accumulator without grouping (e.g. `SELECT latest_of(...) FROM outcomes`): the
/// grouped one with every row in group 0.
#[derive(Debug)]
struct OneGroup(LatestOfGroups);

impl Accumulator for OneGroup {
    fn update_batch(&mut self, values: &[ArrayRef]) -> DfResult<()> {
        let rows = values.first().map_or(0, |v| v.len());
        self.0.fold(values, &vec![0; rows], |_| true, 1)
    }

    fn evaluate(&mut self) -> DfResult<ScalarValue> {
        match self.0.groups.first() {
            None => Ok(ScalarValue::Utf8(None)),
            Some(group) => ScalarValue::try_from_array(&self.0.values_array(std::slice::from_ref(group)), 0),
        }
    }

    fn size(&self) -> usize {
        size_of::<Self>() + self.0.size()
    }

    fn state(&mut self) -> DfResult<Vec<ScalarValue>> {
        // No row yet: an unseen group's state.
        let group = self.0.groups.first().copied().unwrap_or_default();
        self.0
            .state_arrays(&[group])
            .iter()
            .map(|column| ScalarValue::try_from_array(column, 0))
            .collect()
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> DfResult<()> {
        let rows = states.first().map_or(0, |v| v.len());
        self.0.merge_batch(states, &vec![0; rows], 1)
    }
}
