//! Duplicate handling for sources whose rows carry an id: exact repeats are dropped and
//! counted, and new versions of an id are kept and flagged.

use std::borrow::Cow;
use std::collections::HashMap;
use std::collections::hash_map::Entry;

use arrow::array::{BooleanArray, RecordBatch};
use std::sync::Arc;

use crate::records::QuotedReader;

/// Duplicate handling for sources whose rows carry an id, in one pass over a file.
///
/// Each id's distinct raw row texts are remembered (borrowed from the file's bytes, so
/// nothing is copied for the common unquoted id). A row whose fields equal an earlier
/// row's with the same (trimmed) id is an exact duplicate. Otherwise it is a new version of the
/// id; once the file is read, [`IdCensus::distinct`] says how many versions each id
/// has, and ids with more than one are flagged.
#[derive(Default)]
pub struct IdCensus<'a> {
    ids: HashMap<Cow<'a, [u8]>, u32, foldhash::fast::FixedState>,
    groups: Vec<Group<'a>>,
    /// Parses rows whose bytes differ but may hold the same fields (made when first needed).
    parser: Option<ContentParser>,
    /// The file's field delimiter (`,` unless [`IdCensus::with_delimiter`] says otherwise).
    delimiter: Option<u8>,
}

/// A reusable CSV record parser and the two records it compares. Building one builds
/// `csv_core`'s state machine, so it is built when a census first meets a repeated id.
struct ContentParser {
    reader: QuotedReader,
    a: csv::ByteRecord,
    b: csv::ByteRecord,
}

impl ContentParser {
    fn new(delimiter: u8) -> Self {
        ContentParser {
            reader: QuotedReader::new(delimiter),
            a: csv::ByteRecord::new(),
            b: csv::ByteRecord::new(),
        }
    }
}

struct Group<'a> {
    first: &'a [u8],
    more: Vec<&'a [u8]>,
}

/// What the census decided about a row with an id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdClass {
    /// An exact copy of a row already loaded.
    Duplicate,
    /// A row to load: its id's group, and its 1-based version among the id's
    /// distinct contents so far.
    Load {
        /// The id's group, for [`IdCensus::distinct`].
        group: u32,
        /// 1-based version among the id's distinct contents so far.
        version: usize,
    },
}

impl<'a> IdCensus<'a> {
    /// A census with room for about `ids` ids before it grows: a police.uk file's rows
    /// are about 200 bytes each, so `bytes / 200` spares most of the rehashing a
    /// growing table does. At most 2²⁰ are reserved up front.
    pub fn with_capacity(ids: usize) -> Self {
        let ids = ids.min(1 << 20);
        IdCensus {
            ids: HashMap::with_capacity_and_hasher(ids, foldhash::fast::FixedState::default()),
            groups: Vec::with_capacity(ids),
            parser: None,
            delimiter: None,
        }
    }

    /// The census of a file whose fields are split at `delimiter` (a mapping's
    /// `delimiter`), so rows that differ only in quoting are parsed as the file is.
    pub fn with_delimiter(mut self, delimiter: u8) -> Self {
        self.delimiter = Some(delimiter);
        self
    }

    /// Classify a row by its id and raw text.
    pub fn classify(&mut self, id: Cow<'a, [u8]>, raw: &'a [u8]) -> IdClass {
        // One lookup (one hash of the id) whether the id is new or seen.
        match self.ids.entry(id) {
            Entry::Vacant(vacant) => {
                let group = self.groups.len() as u32;
                self.groups.push(Group {
                    first: raw,
                    more: Vec::new(),
                });
                vacant.insert(group);
                IdClass::Load { group, version: 1 }
            }
            Entry::Occupied(seen) => {
                let group = *seen.get();
                let g = &mut self.groups[group as usize];
                let parser = self
                    .parser
                    .get_or_insert_with(|| ContentParser::new(self.delimiter.unwrap_or(b',')));
                if same_content(parser, g.first, raw) || g.more.iter().any(|m| same_content(parser, m, raw)) {
                    return IdClass::Duplicate;
                }
                g.more.push(raw);
                IdClass::Load {
                    group,
                    version: g.more.len() + 1,
                }
            }
        }
    }

    pub fn distinct(&self, group: u32) -> usize {
        self.groups.get(group as usize).map_or(0, |g| 1 + g.more.len())
    }
}

/// Which loaded rows to flag `duplicate_id`: every row of an id loaded in more than one
/// version. That depends on rows further down the file, so a profile holds its rows
/// until the file is read ([`crate::store::writer::PartitionedWriter::hold_until_finish`]),
/// records each row's id group here as it pushes it, and sets the column at the end.
#[derive(Debug, Default)]
pub struct VersionFlags {
    /// Per writer partition, each held row's id group (`None` for a row without an id).
    groups: Vec<Vec<Option<u32>>>,
}

impl VersionFlags {
    /// Record the next row pushed to writer partition `partition`.
    pub fn push(&mut self, partition: usize, group: Option<u32>) {
        if self.groups.len() <= partition {
            self.groups.resize_with(partition + 1, Vec::new);
        }
        self.groups[partition].push(group);
    }

    fn flagged(census: &IdCensus<'_>, group: Option<u32>) -> bool {
        group.is_some_and(|g| census.distinct(g) > 1)
    }

    /// How many rows are flagged (`duplicate_ids_flagged`).
    pub fn count(&self, census: &IdCensus<'_>) -> u64 {
        self.groups
            .iter()
            .flatten()
            .filter(|g| Self::flagged(census, **g))
            .count() as u64
    }

    /// `batch`, all of partition `partition`'s rows of input `file`, with its
    /// `duplicate_id` column set. A batch whose rows were not all recorded is a defect.
    pub fn apply(
        &self,
        census: &IdCensus<'_>,
        file: &str,
        partition: usize,
        batch: RecordBatch,
    ) -> crate::error::Result<RecordBatch> {
        let defect = |message: String| crate::error::IngestError::Arrow {
            file: file.to_string(),
            message: format!("duplicate_id: {message}"),
        };
        let rows = self.groups.get(partition).map_or(&[][..], Vec::as_slice);
        if rows.len() != batch.num_rows() {
            return Err(defect(format!(
                "{} rows held, {} flags recorded",
                batch.num_rows(),
                rows.len()
            )));
        }
        let flags: BooleanArray = rows.iter().map(|g| Some(Self::flagged(census, *g))).collect();
        let schema = batch.schema();
        let mut columns = batch.columns().to_vec();
        if let Ok(i) = schema.index_of("duplicate_id") {
            columns[i] = Arc::new(flags);
        }
        RecordBatch::try_new(schema, columns).map_err(|e| defect(e.to_string()))
    }
}

/// The id in the first field, trimmed: borrowed from the raw text in the common case
/// (unquoted, no surrounding spaces), otherwise copied from the parsed field.
pub fn first_field<'a>(raw: &'a [u8], parsed: &[u8]) -> Cow<'a, [u8]> {
    let unquoted = &raw[..memchr::memchr(b',', raw).unwrap_or(raw.len())];
    let trimmed = parsed.trim_ascii();
    if unquoted == trimmed {
        Cow::Borrowed(unquoted)
    } else {
        Cow::Owned(trimmed.to_vec())
    }
}

/// Whether two raw rows hold the same fields: equal bytes; or, when either holds a
/// quote (so equal fields can be written differently), equal once parsed as CSV with
/// the file's delimiter. Two rows without quotes hold the same fields exactly when their
/// bytes are equal: their fields are the bytes between the delimiters, and a row's bytes
/// hold no line end.
///
/// Outcomes files repeat a Crime ID once per outcome, so this runs for most of their
/// rows. Building a parser per call (as a `csv::Reader` was) took half of a national
/// outcomes ingest's CPU; the parser is built once per census.
fn same_content(parser: &mut ContentParser, a: &[u8], b: &[u8]) -> bool {
    if a == b {
        return true;
    }
    if memchr::memchr(b'"', a).is_none() && memchr::memchr(b'"', b).is_none() {
        return false;
    }
    let read_a = parser.reader.read(a, &mut parser.a).is_some();
    let read_b = parser.reader.read(b, &mut parser.b).is_some();
    read_a && read_b && parser.a.iter().eq(parser.b.iter())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The comparison as it was: both rows parsed by a new `csv` crate reader.
    fn same_content_with_the_csv_crate(a: &[u8], b: &[u8]) -> bool {
        let parse = |raw: &[u8]| {
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(raw);
            let mut record = csv::ByteRecord::new();
            reader.read_byte_record(&mut record).ok().map(|_| record)
        };
        match (parse(a), parse(b)) {
            (Some(x), Some(y)) => x.iter().eq(y.iter()),
            _ => false,
        }
    }

    /// On random rows built from the same fields written with and without quotes (and
    /// with stray quotes, commas and line ends inside quotes), the reused parser and the
    /// quote-free shortcut answer as a new `csv` reader per comparison did.
    #[test]
    fn same_content_is_the_csv_crates_on_random_rows() {
        const PIECES: [&[u8]; 9] = [b"a", b"b", b"7", b",", b"\"", b" ", b"\r\n", b"\n", "é".as_bytes()];
        let mut next = crate::test_support::xorshift64(0x2545_F491_4F6C_DD1D);
        let random_row = |next: &mut dyn FnMut() -> u64| {
            let fields: Vec<Vec<u8>> = (0..1 + next() % 4)
                .map(|_| {
                    (0..next() % 4)
                        .flat_map(|_| PIECES[(next() % PIECES.len() as u64) as usize].to_vec())
                        .collect()
                })
                .collect();
            fields
        };
        // A field written plainly where it can be, else quoted; or always quoted.
        let write = |fields: &[Vec<u8>], quote_all: bool| -> Vec<u8> {
            let mut out = Vec::new();
            for (i, f) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                let needs = f.iter().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r'));
                if quote_all || needs {
                    out.push(b'"');
                    for &b in f {
                        if b == b'"' {
                            out.push(b'"');
                        }
                        out.push(b);
                    }
                    out.push(b'"');
                } else {
                    out.extend_from_slice(f);
                }
            }
            out
        };
        let mut parser = ContentParser::new(b',');
        let (mut equal, mut differ) = (0, 0);
        for case in 0..4000 {
            let x = random_row(&mut next);
            let y = if case % 2 == 0 {
                x.clone()
            } else {
                random_row(&mut next)
            };
            let (a, b) = (write(&x, next().is_multiple_of(3)), write(&y, next().is_multiple_of(3)));
            // Now and then a raw row as a broken file has it: a stray quote.
            let b = if case % 7 == 0 {
                [b.as_slice(), b"\""].concat()
            } else {
                b
            };
            let expected = same_content_with_the_csv_crate(&a, &b);
            assert_eq!(
                same_content(&mut parser, &a, &b),
                expected,
                "{:?} against {:?}",
                String::from_utf8_lossy(&a),
                String::from_utf8_lossy(&b)
            );
            if expected {
                equal += 1;
            } else {
                differ += 1;
            }
        }
        assert!(equal > 1000 && differ > 1000, "{equal} equal, {differ} different");
    }

    #[test]
    fn rows_of_a_semicolon_file_are_compared_as_the_file_splits_them() {
        let rows: [&'static [u8]; 3] = [b"x1;a;b", b"x1;\"a\";b", b"x1;\"a;b\""];
        let classify = |mut census: IdCensus<'static>| -> Vec<IdClass> {
            rows.iter()
                .map(|raw| census.classify(Cow::Borrowed(&raw[..2]), raw))
                .collect()
        };
        assert_eq!(
            classify(IdCensus::default().with_delimiter(b';')),
            [
                IdClass::Load { group: 0, version: 1 },
                IdClass::Duplicate,                     // `a` quoted
                IdClass::Load { group: 0, version: 2 }, // one field `a;b`, not two
            ]
        );
        // Read as commas, the quoted row is one field that differs from the first.
        assert_eq!(classify(IdCensus::default())[1], IdClass::Load { group: 0, version: 2 });
    }

    #[test]
    fn a_repeated_id_is_a_duplicate_when_its_fields_repeat_and_a_version_otherwise() {
        let mut census = IdCensus::default();
        let id =
            |raw: &'static [u8]| first_field(raw, &raw[..raw.iter().position(|&b| b == b',').unwrap_or(raw.len())]);
        let rows: [&'static [u8]; 4] = [b"x1,a,b", b"x1,\"a\",b", b"x1,a,c", b"x1,a,c"];
        let classes: Vec<IdClass> = rows.iter().map(|raw| census.classify(id(raw), raw)).collect();
        assert_eq!(
            classes,
            [
                IdClass::Load { group: 0, version: 1 },
                IdClass::Duplicate, // the same fields, one quoted
                IdClass::Load { group: 0, version: 2 },
                IdClass::Duplicate,
            ]
        );
        assert_eq!(census.distinct(0), 2);
    }
}
