//! Two LSOA vintages, one geography: 2011 LSOA codes read as the 2021 LSOAs that
//! replaced them.
//!
//! police.uk moved from 2011 to 2021 LSOA codes, and partner extracts carry either, so a
//! trend by LSOA across the change would split one place into two series. The ONS
//! lookup `LSOA11_LSOA21_LAD22_lookup_EW` (Office for National Statistics, Open
//! Government Licence v3.0; bundled) gives every 2011 LSOA exactly one 2021 LSOA: its
//! 34,753 rows hold each 2011 code once. Each code an incident carries is read by one
//! rule ([`LsoaChange`]):
//!
//! - **unchanged**: the code is a 2021 code: kept. That is the 33,642 LSOAs whose code
//!   survived, the 2021 codes in the lookup, and the 2021 LSOAs it does not list: a
//!   split 2011 LSOA names only one of its parts, so of the 35,672 LSOAs of 2021 the
//!   lookup holds 34,628. A code numbered after the last 2011 code of its country
//!   (`E01033768`, `W01001958`) and no later than the last 2021 code in the lookup is
//!   read as such a 2021 code.
//! - **merged**: a 2011 LSOA that was joined with others into one 2021 LSOA (124 such
//!   2021 LSOAs, from 249 2011 ones): the 2021 LSOA covers it exactly.
//! - **best-fit**: a 2011 LSOA whose code was retired because it was split or redrawn
//!   (867): the single 2021 LSOA the ONS lookup gives it. For a split, that is one of
//!   its parts, so incidents in the other parts are counted in it; the count of rows
//!   read this way is reported with every LSOA table so a reader can judge the effect.
//!   (The 2021 LSOA holding the row's point would be finer; it needs 2021 polygons in
//!   the store and is not done yet.)
//! - **unknown**: the code is in neither vintage of the lookup (a Scottish data zone, a
//!   typing error): kept as recorded.
//!
//! The SQL functions `lsoa21(lsoa_code)` and `lsoa_change(lsoa_code)` apply the rules;
//! `trend_by_lsoa`, `trend_monthly` (by lsoa) and `hotspot_by_lsoa` group by
//! `lsoa21(lsoa_code)`, and `lsoa_vintage` counts the rows each rule touched. Totals
//! are unchanged: every row keeps exactly one code.

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::sync::{Arc, OnceLock};

use datafusion::arrow::array::{Array, AsArray, StringArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Result as DfResult, exec_err};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, TypeSignature, Volatility,
};

/// The bundled ONS LSOA 2011 → 2021 → local authority district (2022) lookup, gzipped
/// CSV with columns `ObjectId,LSOA11CD,LSOA11NM,LSOA21CD,LSOA21NM,LAD22CD,LAD22NM,LAD22NMW`.
pub static BUNDLED_LSOA_LOOKUP_GZ: &[u8] =
    include_bytes!("../../../fixtures/boundaries/LSOA11_LSOA21_LAD22_lookup_EW.csv.gz");

/// How a recorded LSOA code is read as a 2021 LSOA.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LsoaChange {
    /// A 2021 code: kept.
    Unchanged,
    /// A 2011 LSOA merged with others into one 2021 LSOA.
    Merged,
    /// A retired 2011 LSOA (split or redrawn), read as the ONS lookup's single 2021 LSOA.
    BestFit,
    /// In neither vintage of the lookup: kept as recorded.
    Unknown,
}

impl LsoaChange {
    /// Every rule, in report order.
    pub const ALL: [LsoaChange; 4] = [
        LsoaChange::Unchanged,
        LsoaChange::Merged,
        LsoaChange::BestFit,
        LsoaChange::Unknown,
    ];

    /// `unchanged`, `merged`, `best-fit` or `unknown`: the value of `lsoa_change()`.
    pub fn name(self) -> &'static str {
        match self {
            LsoaChange::Unchanged => "unchanged",
            LsoaChange::Merged => "merged",
            LsoaChange::BestFit => "best-fit",
            LsoaChange::Unknown => "unknown",
        }
    }

    /// What the rule does, for a reader.
    pub fn describe(self) -> &'static str {
        match self {
            LsoaChange::Unchanged => "2021 LSOA codes, kept",
            LsoaChange::Merged => "2011 LSOAs merged into one 2021 LSOA, counted in it",
            LsoaChange::BestFit => {
                "2011 LSOAs split or redrawn in 2021, counted in the one 2021 LSOA the ONS lookup gives them"
            }
            LsoaChange::Unknown => "codes in neither vintage of the ONS lookup, kept as recorded",
        }
    }

    /// The rule of a name from [`LsoaChange::name`].
    pub fn from_name(name: &str) -> Option<LsoaChange> {
        LsoaChange::ALL.into_iter().find(|c| c.name() == name)
    }
}

/// The bundled lookup, read for vintage changes.
#[derive(Debug)]
pub struct LsoaVintages {
    /// Retired 2011 codes: their 2021 LSOA and how.
    retired: HashMap<String, (String, LsoaChange)>,
    /// Every 2021 code in the lookup.
    current: HashSet<String>,
    /// Per country prefix (`E01`, `W01`): the numbers after the last 2011 code up to the
    /// last 2021 code, which are 2021 codes whether or not the lookup lists them.
    new_in_2021: Vec<(String, u32, u32)>,
}

impl LsoaVintages {
    /// The bundled lookup (read on first use). `None` only if the bundled file is
    /// damaged, which the tests rule out.
    pub fn bundled() -> Option<&'static LsoaVintages> {
        static VINTAGES: OnceLock<Option<LsoaVintages>> = OnceLock::new();
        VINTAGES
            .get_or_init(|| {
                let mut text = String::new();
                flate2::read::GzDecoder::new(BUNDLED_LSOA_LOOKUP_GZ)
                    .read_to_string(&mut text)
                    .ok()?;
                LsoaVintages::from_csv(&text)
            })
            .as_ref()
    }

    /// Read a lookup CSV with columns `LSOA11CD` and `LSOA21CD` (one row per pair).
    pub fn from_csv(text: &str) -> Option<LsoaVintages> {
        let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
        let header = reader.headers().ok()?.clone();
        let col = |name: &str| header.iter().position(|h| h.trim().eq_ignore_ascii_case(name));
        let (c11, c21) = (col("LSOA11CD")?, col("LSOA21CD")?);
        let mut pairs = Vec::new();
        for record in reader.records() {
            let record = record.ok()?;
            let (a, b) = (record.get(c11)?.trim(), record.get(c21)?.trim());
            if !a.is_empty() && !b.is_empty() {
                pairs.push((a.to_string(), b.to_string()));
            }
        }
        let mut parents: HashMap<&str, usize> = HashMap::new();
        for (_, b) in &pairs {
            *parents.entry(b.as_str()).or_default() += 1;
        }
        let current: HashSet<String> = pairs.iter().map(|(_, b)| b.clone()).collect();
        let retired = pairs
            .iter()
            .filter(|(a, _)| !current.contains(a))
            .map(|(a, b)| {
                let change = if parents[b.as_str()] > 1 {
                    LsoaChange::Merged
                } else {
                    LsoaChange::BestFit
                };
                (a.clone(), (b.clone(), change))
            })
            .collect();
        let number = |code: &str, prefix: &str| code.strip_prefix(prefix).and_then(|n| n.parse::<u32>().ok());
        let new_in_2021 = ["E01", "W01"]
            .iter()
            .filter_map(|prefix| {
                let last_2011 = pairs.iter().filter_map(|(a, _)| number(a, prefix)).max()?;
                let last_2021 = current.iter().filter_map(|b| number(b, prefix)).max()?;
                (last_2021 > last_2011).then(|| (prefix.to_string(), last_2011 + 1, last_2021))
            })
            .collect();
        Some(LsoaVintages {
            retired,
            current,
            new_in_2021,
        })
    }

    /// Whether a code is a 2021 code: in the lookup's 2021 column, or numbered in the
    /// range created in 2021.
    fn is_2021(&self, code: &str) -> bool {
        self.current.contains(code)
            || self.new_in_2021.iter().any(|(prefix, first, last)| {
                code.len() == 9
                    && code
                        .strip_prefix(prefix.as_str())
                        .and_then(|n| n.parse::<u32>().ok())
                        .is_some_and(|n| (*first..=*last).contains(&n))
            })
    }

    /// The 2021 LSOA a recorded code is counted in, and the rule that put it there.
    pub fn to_2021<'a>(&'a self, code: &'a str) -> (&'a str, LsoaChange) {
        if self.is_2021(code) {
            return (code, LsoaChange::Unchanged);
        }
        match self.retired.get(code) {
            Some((lsoa21, change)) => (lsoa21.as_str(), *change),
            None => (code, LsoaChange::Unknown),
        }
    }

    /// How many retired 2011 codes each rule reads.
    pub fn retired_counts(&self) -> HashMap<LsoaChange, usize> {
        let mut counts = HashMap::new();
        for (_, change) in self.retired.values() {
            *counts.entry(*change).or_default() += 1;
        }
        counts
    }
}

/// The incidents and distinct codes one rule read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct VintageCount {
    /// The rule.
    pub rule: LsoaChange,
    /// Incidents whose code it read.
    pub incidents: u64,
    /// Distinct recorded codes it read.
    pub codes: u64,
}

/// How the session's incidents with an LSOA code in the two periods of `params`
/// (`period_start`/`period_end`, `compare_start`/`compare_end`, and the `source` and
/// `category` filters) are read as 2021 LSOAs (`queries/lsoa_vintage.sql`).
pub async fn vintage_counts(
    session: &crate::Session,
    params: &HashMap<String, String>,
) -> crate::Result<Vec<VintageCount>> {
    let batches = session.run_builtin(crate::queries::LSOA_VINTAGE.name, params).await?;
    let mut out = Vec::new();
    for batch in &batches {
        let columns = crate::columns::Columns::new(batch, "lsoa_vintage");
        let (rules, incidents, codes) = (
            columns.texts_required("rule")?,
            columns.counts("incidents")?,
            columns.counts("codes")?,
        );
        for ((rule, incidents), codes) in rules.iter().zip(incidents).zip(codes) {
            let rule = LsoaChange::from_name(rule)
                .ok_or_else(|| crate::EngineError::internal(format!("lsoa_vintage returned the rule {rule}")))?;
            out.push(VintageCount { rule, incidents, codes });
        }
    }
    out.sort_by_key(|c| c.rule);
    Ok(out)
}

/// One sentence for a reader: which rules read the codes, and how many incidents each
/// touched. `None` when every code is a 2021 code (nothing was mapped).
pub fn vintage_note(counts: &[VintageCount]) -> Option<String> {
    if counts.iter().all(|c| c.rule == LsoaChange::Unchanged) {
        return None;
    }
    let parts: Vec<String> = counts
        .iter()
        .map(|c| {
            format!(
                "{} incident{} ({} code{}): {}",
                c.incidents,
                if c.incidents == 1 { "" } else { "s" },
                c.codes,
                if c.codes == 1 { "" } else { "s" },
                c.rule.describe()
            )
        })
        .collect();
    Some(format!(
        "LSOAs are 2021 LSOAs through the ONS LSOA11_LSOA21_LAD22 lookup: {}",
        parts.join("; ")
    ))
}

/// What a vintage function returns for one code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Output {
    /// `lsoa21(code)`: the 2021 code.
    Code,
    /// `lsoa_change(code)`: the rule's name.
    Change,
}

/// `lsoa21(lsoa_code)` and `lsoa_change(lsoa_code)` over the bundled lookup. Stateless
/// (the lookup is compiled in), so they are the same on every cluster node.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct LsoaVintageFunction {
    output: Output,
    signature: Signature,
}

impl LsoaVintageFunction {
    /// `lsoa21(lsoa_code)`.
    pub(crate) fn lsoa21() -> Self {
        Self::new(Output::Code)
    }

    /// `lsoa_change(lsoa_code)`.
    pub(crate) fn change() -> Self {
        Self::new(Output::Change)
    }

    fn new(output: Output) -> Self {
        LsoaVintageFunction {
            output,
            // Any type that casts to text: Utf8, a dictionary of strings, a view.
            signature: Signature::new(TypeSignature::Any(1), Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for LsoaVintageFunction {
    fn name(&self) -> &str {
        match self.output {
            Output::Code => "lsoa21",
            Output::Change => "lsoa_change",
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> DfResult<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let Some(codes) = arrays.first() else {
            return exec_err!("{} takes one LSOA code", self.name());
        };
        let Some(vintages) = LsoaVintages::bundled() else {
            return exec_err!("the bundled ONS LSOA lookup cannot be read");
        };
        let codes = cast(codes, &DataType::Utf8)?;
        let codes = codes.as_string::<i32>();
        let out: StringArray = (0..codes.len())
            .map(|i| {
                codes.is_valid(i).then(|| {
                    let (lsoa21, change) = vintages.to_2021(codes.value(i));
                    match self.output {
                        Output::Code => lsoa21,
                        Output::Change => change.name(),
                    }
                })
            })
            .collect();
        Ok(ColumnarValue::Array(Arc::new(out)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_lookup_reads_every_2011_code_once() {
        let v = LsoaVintages::bundled().expect("bundled lookup");
        assert_eq!(v.current.len(), 34_628);
        let counts = v.retired_counts();
        // Independent count with Python's csv module over the same file: 1,111 2011
        // codes not in the 2021 column, 244 of them merged (the other 5 merged 2011
        // codes became the merged LSOA's 2021 code), 867 retired one-to-one.
        assert_eq!(counts[&LsoaChange::Merged] + counts[&LsoaChange::BestFit], 1_111);
        assert_eq!(counts[&LsoaChange::BestFit], 867);
        assert_eq!(v.to_2021("E01000001"), ("E01000001", LsoaChange::Unchanged));
        assert_eq!(v.to_2021("E01000010"), ("E01034474", LsoaChange::BestFit));
        assert_eq!(v.to_2021("E01000936"), ("E01035712", LsoaChange::Merged));
        assert_eq!(v.to_2021("E01000940"), ("E01035712", LsoaChange::Merged));
        assert_eq!(v.to_2021("S01000001"), ("S01000001", LsoaChange::Unknown));
        // A 2021 part of a split LSOA that the lookup does not list (E01033770 is not
        // in its 2021 column; the numbers E01033769..E01035762 were created in 2021).
        assert!(!v.current.contains("E01033770"));
        assert_eq!(v.to_2021("E01033770"), ("E01033770", LsoaChange::Unchanged));
        assert_eq!(v.to_2021("W01001959"), ("W01001959", LsoaChange::Unchanged));
        assert_eq!(v.to_2021("E01035763"), ("E01035763", LsoaChange::Unknown));
        assert_eq!(v.to_2021("E0103377"), ("E0103377", LsoaChange::Unknown));
    }
}
