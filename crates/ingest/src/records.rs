//! Reading CSV records with their line numbers and raw text.
//!
//! The reader works on bytes, so a row with invalid UTF-8 is still read (and then
//! rejected with its raw text) instead of stopping the file. A UTF-8 byte-order mark,
//! CRLF line ends and quoted fields (with embedded commas, quotes and newlines) are
//! accepted.

use csv::ByteRecord;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// A reader over a whole CSV file held in memory.
pub struct Records<'a> {
    body: &'a [u8],
    reader: csv::Reader<&'a [u8]>,
    record: ByteRecord,
    /// Byte offset up to which newlines have been counted, and how many there were.
    counted_to: usize,
    newlines: u64,
}

/// One record: where it starts, its raw bytes and its fields.
///
/// `raw` borrows from the file (`'a`) and outlives the record; `fields` borrows the
/// reader's buffer (`'r`) and is overwritten by the next record.
pub struct RawRecord<'a, 'r> {
    /// 1-based physical line where the record starts (the header is line 1).
    pub line: u64,
    /// The record's bytes as they are in the file, without the line end.
    pub raw: &'a [u8],
    /// The parsed fields (quotes removed).
    pub fields: &'r ByteRecord,
    /// Byte offset just past the record (for progress).
    pub end: u64,
}

impl<'a> Records<'a> {
    /// A reader over `bytes`, skipping a UTF-8 BOM if present.
    pub fn new(bytes: &'a [u8]) -> Records<'a> {
        Self::with_delimiter(bytes, b',')
    }

    /// A reader with another field delimiter.
    pub fn with_delimiter(bytes: &'a [u8], delimiter: u8) -> Records<'a> {
        let body = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(body);
        Records {
            body,
            reader,
            record: ByteRecord::new(),
            counted_to: 0,
            newlines: 0,
        }
    }

    /// The next record, or `None` at the end of the file.
    pub fn next_record(&mut self) -> Option<RawRecord<'a, '_>> {
        // An in-memory byte reader in flexible mode cannot fail; treat any error as the end.
        match self.reader.read_byte_record(&mut self.record) {
            Ok(true) => {}
            _ => return None,
        }
        let pos = self.record.position().cloned().unwrap_or_else(csv::Position::new);
        let start = pos.byte() as usize;
        let end = (self.reader.position().byte() as usize).min(self.body.len());
        let mut start = start.min(end);
        // The csv position of a record can sit on the line end of the one before it
        // (after the CR of a CRLF); skip line ends (blank lines are no records anyway).
        while start < end && matches!(self.body[start], b'\n' | b'\r') {
            start += 1;
        }
        // The line is counted here rather than taken from the csv position, whose line
        // number lags by one record.
        self.newlines += line_ends(self.body, self.counted_to.min(start), start);
        self.counted_to = start;
        let line = self.newlines + 1;
        let body: &'a [u8] = self.body;
        let mut raw = &body[start..end];
        while let [rest @ .., b'\n' | b'\r'] = raw {
            raw = rest;
        }
        Some(RawRecord {
            line,
            raw,
            fields: &self.record,
            end: end as u64,
        })
    }
}

/// Line ends in `body[from..to]`: each LF, CRLF, and lone CR (old Mac files, which the
/// csv reader also splits on), so a reject's line is the line an editor shows.
fn line_ends(body: &[u8], from: usize, to: usize) -> u64 {
    memchr::memchr2_iter(b'\n', b'\r', &body[from..to])
        .filter(|&i| body[from + i] == b'\n' || body.get(from + i + 1) != Some(&b'\n'))
        .count() as u64
}

impl Records<'_> {
    /// Count the remaining records (the header included, if not yet read).
    pub fn count_records(mut self) -> usize {
        let mut n = 0;
        while self.next_record().is_some() {
            n += 1;
        }
        n
    }
}

/// The header fields of a file: BOM stripped, fields trimmed, invalid UTF-8 replaced.
/// `None` for an empty file.
pub fn read_header(bytes: &[u8]) -> Option<Vec<String>> {
    let mut records = Records::new(bytes);
    let header = records.next_record()?;
    Some(
        header
            .fields
            .iter()
            .map(|f| String::from_utf8_lossy(f).trim().to_string())
            .collect(),
    )
}

/// A small reference file (lookup, population) read whole: its bytes, decompressed when
/// the name ends in `.gz`, and the SHA-256 of the file as stored.
pub fn read_reference_file(file: &std::path::Path) -> crate::error::Result<(Vec<u8>, String)> {
    use sha2::Digest;
    use std::io::Read;
    let read_err = |source| crate::error::IngestError::Read {
        path: file.to_path_buf(),
        source,
    };
    let bytes = std::fs::read(file).map_err(read_err)?;
    let sha = hex::encode(sha2::Sha256::digest(&bytes));
    if !file.to_string_lossy().ends_with(".gz") {
        return Ok((bytes, sha));
    }
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(&bytes[..])
        .read_to_end(&mut out)
        .map_err(read_err)?;
    Ok((out, sha))
}

/// The trimmed column names of the next record (the header), or none.
pub fn header_names(records: &mut Records<'_>) -> Vec<String> {
    records
        .next_record()
        .map(|h| {
            h.fields
                .iter()
                .map(|f| {
                    String::from_utf8_lossy(f)
                        .trim()
                        .trim_start_matches('\u{feff}')
                        .to_string()
                })
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_crlf_and_quotes() {
        let text = b"\xEF\xBB\xBFa,b\r\n1,\"x, \"\"y\"\"\"\r\n\"multi\nline\",2\r\n3,4";
        let mut r = Records::new(text);
        let h = r.next_record().unwrap();
        assert_eq!(h.line, 1);
        assert_eq!(&h.fields[0], b"a");
        let row = r.next_record().unwrap();
        assert_eq!(row.line, 2);
        assert_eq!(&row.fields[1], b"x, \"y\"");
        assert_eq!(row.raw, b"1,\"x, \"\"y\"\"\"");
        let row = r.next_record().unwrap();
        assert_eq!(row.line, 3);
        assert_eq!(&row.fields[0], b"multi\nline");
        let row = r.next_record().unwrap();
        assert_eq!(row.line, 5);
        // Lone CR line ends count as lines too.
        let mut records = Records::new(b"a,b\r1,2\r\r3,4\r\n5,6");
        let lines: Vec<u64> = std::iter::from_fn(|| records.next_record().map(|r| r.line)).collect();
        assert_eq!(lines, vec![1, 2, 4, 5]);
        assert_eq!(row.raw, b"3,4");
        assert!(r.next_record().is_none());
    }

    #[test]
    fn header_of_empty_and_garbage() {
        assert_eq!(read_header(b""), None);
        let h = read_header(b"\xff\xfe\x00garbage").unwrap();
        assert!(h[0].contains('\u{FFFD}'));
    }
}
