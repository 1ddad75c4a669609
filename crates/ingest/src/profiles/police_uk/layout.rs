//! police.uk headers read by column name.
//!
//! data.police.uk has changed its CSV columns several times since December 2010
//! (docs/formats.md lists the layouts). A [`Layout`] finds each column a profile knows
//! by name, so every layout made of known columns is read by one parser: each row is
//! handed over in the profile's own column order, with absent columns as empty text.

use crate::reject::{RejectReason, Rejection};

/// Where each of a profile's `N` known columns sits in one file's header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout<const N: usize> {
    known: &'static [&'static str; N],
    position: [Option<usize>; N],
    width: usize,
}

impl<const N: usize> Layout<N> {
    /// The layout of `header` if every column is one of `known` (each at most once) and
    /// every column of `required` is present; else `None`.
    pub fn recognise(known: &'static [&'static str; N], required: &[&str], header: &[String]) -> Option<Self> {
        let mut position = [None; N];
        for (i, column) in header.iter().enumerate() {
            let k = known.iter().position(|name| *name == column.trim())?;
            if position[k].replace(i).is_some() {
                return None;
            }
        }
        let layout = Layout {
            known,
            position,
            width: header.len(),
        };
        required.iter().all(|r| layout.has(r)).then_some(layout)
    }

    /// Whether the file has the column.
    pub fn has(&self, name: &str) -> bool {
        self.known
            .iter()
            .position(|k| *k == name)
            .is_some_and(|k| self.position[k].is_some())
    }

    /// The file's index of a known column, if present.
    pub fn index(&self, name: &str) -> Option<usize> {
        self.known
            .iter()
            .position(|k| *k == name)
            .and_then(|k| self.position[k])
    }

    /// A row's fields in the profile's column order, absent columns empty. Rejects a row
    /// with the wrong number of fields, or a field that is not UTF-8 (naming it).
    pub fn row<'r>(&self, record: &'r csv::ByteRecord) -> Result<[&'r str; N], Rejection> {
        if record.len() != self.width {
            return Err(Rejection::row(
                RejectReason::FieldCount,
                format!(
                    "expected {} fields, found {} (a truncated line, or an unquoted comma)",
                    self.width,
                    record.len()
                ),
            ));
        }
        let mut out = [""; N];
        for (k, slot) in out.iter_mut().enumerate() {
            if let Some(i) = self.position[k] {
                let bytes = record.get(i).unwrap_or_default();
                *slot = std::str::from_utf8(bytes).map_err(|e| {
                    Rejection::field(
                        RejectReason::InvalidUtf8,
                        self.known[k],
                        format!(
                            "field is not valid UTF-8 (bad byte at offset {}); re-export the file as UTF-8",
                            e.valid_up_to()
                        ),
                    )
                })?;
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KNOWN: [&str; 3] = ["A", "B", "C"];

    fn header(cols: &[&str]) -> Vec<String> {
        cols.iter().map(|c| c.to_string()).collect()
    }

    #[test]
    fn reads_known_columns_in_any_order() {
        let layout = Layout::recognise(&KNOWN, &["A"], &header(&["C", "A"])).unwrap();
        assert!(layout.has("A") && !layout.has("B"));
        let record = csv::ByteRecord::from(vec!["c", "a"]);
        assert_eq!(layout.row(&record).unwrap(), ["a", "", "c"]);
        let short = csv::ByteRecord::from(vec!["c"]);
        assert_eq!(layout.row(&short).unwrap_err().reason, RejectReason::FieldCount);
    }

    #[test]
    fn refuses_unknown_repeated_or_missing_columns() {
        assert!(Layout::recognise(&KNOWN, &[], &header(&["A", "D"])).is_none());
        assert!(Layout::recognise(&KNOWN, &[], &header(&["A", "A"])).is_none());
        assert!(Layout::recognise(&KNOWN, &["B"], &header(&["A", "C"])).is_none());
    }
}
