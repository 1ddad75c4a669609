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
    pub fn row<'r>(&self, record: crate::records::Fields<'r>) -> Result<[&'r str; N], Rejection> {
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
        // The record's bytes checked once: when they are UTF-8 and every field starts and
        // ends on a character boundary (`str::get` checks it), every field is UTF-8.
        // Otherwise each field is checked, to name the one that is not.
        let (text, bounds) = record.text_and_bounds();
        if record.len() <= N
            && let Ok(text) = std::str::from_utf8(text)
        {
            let mut fields: [Option<&str>; N] = [None; N];
            for (slot, &(start, end)) in fields.iter_mut().zip(bounds) {
                *slot = text.get(start..end);
            }
            if fields[..record.len()].iter().all(Option::is_some) {
                for (k, slot) in out.iter_mut().enumerate() {
                    if let Some(i) = self.position[k] {
                        *slot = fields[i].unwrap_or_default();
                    }
                }
                return Ok(out);
            }
        }
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
    use crate::records::{Fields, OwnedFields, Records};

    const KNOWN: [&str; 3] = ["A", "B", "C"];

    fn header(cols: &[&str]) -> Vec<String> {
        cols.iter().map(|c| c.to_string()).collect()
    }

    #[test]
    fn reads_known_columns_in_any_order() {
        let layout = Layout::recognise(&KNOWN, &["A"], &header(&["C", "A"])).unwrap();
        assert!(layout.has("A") && !layout.has("B"));
        let record = OwnedFields::new(&["c", "a"]);
        assert_eq!(layout.row(record.fields()).unwrap(), ["a", "", "c"]);
        let short = OwnedFields::new(&["c"]);
        assert_eq!(layout.row(short.fields()).unwrap_err().reason, RejectReason::FieldCount);
    }

    /// Each field checked on its own: what `row` must give.
    fn row_field_by_field(layout: &Layout<3>, record: Fields<'_>) -> Option<[String; 3]> {
        let mut out: [String; 3] = Default::default();
        for (k, slot) in out.iter_mut().enumerate() {
            if let Some(i) = layout.position[k] {
                *slot = std::str::from_utf8(record.get(i)?).ok()?.to_string();
            }
        }
        Some(out)
    }

    #[test]
    fn a_row_is_utf8_exactly_when_every_field_is() {
        // Fields from pieces that split a character across two fields, stray
        // continuation and lead bytes, and whole characters.
        let pieces: [&[u8]; 8] = [
            b"a",
            b"\xc3",
            b"\xa9",
            "é".as_bytes(),
            "€".as_bytes(),
            b"\xe2\x82",
            b"\xff",
            b"",
        ];
        let layout = Layout::recognise(&KNOWN, &[], &header(&["C", "A", "B"])).unwrap();
        let mut state: u32 = 12345;
        let mut next = move || {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            (state >> 16) as usize
        };
        let (mut valid, mut invalid) = (0, 0);
        for _ in 0..5000 {
            let fields: Vec<Vec<u8>> = (0..3)
                .map(|_| {
                    (0..next() % 3)
                        .flat_map(|_| pieces[next() % pieces.len()].to_vec())
                        .collect()
                })
                .collect();
            // The fields one after another (as a quoted record's are held), and as a
            // line without quotes, where they are ranges of the line between commas.
            let owned = OwnedFields::new(&fields);
            let line = fields.join(&b","[..]);
            let mut records = Records::new(&line);
            let in_line = records.next_record().unwrap().fields;
            for record in [owned.fields(), in_line] {
                let expected = row_field_by_field(&layout, record);
                match layout.row(record) {
                    Ok(row) => {
                        assert_eq!(Some(row.map(str::to_string)), expected, "{record:?}");
                        valid += 1;
                    }
                    Err(rejection) => {
                        assert_eq!(expected, None, "{record:?}");
                        assert_eq!(rejection.reason, RejectReason::InvalidUtf8);
                        invalid += 1;
                    }
                }
            }
        }
        assert!(valid > 500 && invalid > 500, "{valid} {invalid}");
    }

    #[test]
    fn refuses_unknown_repeated_or_missing_columns() {
        assert!(Layout::recognise(&KNOWN, &[], &header(&["A", "D"])).is_none());
        assert!(Layout::recognise(&KNOWN, &[], &header(&["A", "A"])).is_none());
        assert!(Layout::recognise(&KNOWN, &["B"], &header(&["A", "C"])).is_none());
    }
}
