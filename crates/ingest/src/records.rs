//! Reading CSV records with their line numbers and raw text.
//!
//! The reader works on bytes, so a row with invalid UTF-8 is still read (and then
//! rejected with its raw text) instead of stopping the file. A UTF-8 byte-order mark,
//! CRLF line ends and quoted fields (with embedded commas, quotes and newlines) are
//! accepted.

use csv::ByteRecord;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// A record's fields: each a range of `text`, which is the record's line itself for a
/// line without quotes (the fields are not copied) or the unquoted field bytes
/// `csv_core` wrote for any other record.
#[derive(Debug, Clone, Copy)]
pub struct Fields<'r> {
    text: &'r [u8],
    bounds: &'r [(usize, usize)],
}

impl<'r> Fields<'r> {
    /// The number of fields.
    pub fn len(&self) -> usize {
        self.bounds.len()
    }

    /// Field `i`'s bytes, quotes removed.
    pub fn get(&self, i: usize) -> Option<&'r [u8]> {
        let &(start, end) = self.bounds.get(i)?;
        self.text.get(start..end)
    }

    /// Every field's bytes, in order.
    pub fn iter(&self) -> impl Iterator<Item = &'r [u8]> + 'r {
        let text = self.text;
        self.bounds.iter().map(move |&(start, end)| &text[start..end])
    }

    /// The bytes every field is a range of (with the delimiters between fields for a
    /// line without quotes), and the ranges: what lets a caller check the UTF-8 of all
    /// the fields at once.
    pub fn text_and_bounds(&self) -> (&'r [u8], &'r [(usize, usize)]) {
        (self.text, self.bounds)
    }
}

/// Fields held by a test, as the quoted path holds them (one after another).
#[cfg(test)]
pub(crate) struct OwnedFields {
    text: Vec<u8>,
    bounds: Vec<(usize, usize)>,
}

#[cfg(test)]
impl OwnedFields {
    pub(crate) fn new<F: AsRef<[u8]>>(fields: &[F]) -> OwnedFields {
        let (mut text, mut bounds) = (Vec::new(), Vec::new());
        for field in fields {
            let start = text.len();
            text.extend_from_slice(field.as_ref());
            bounds.push((start, text.len()));
        }
        OwnedFields { text, bounds }
    }

    pub(crate) fn fields(&self) -> Fields<'_> {
        Fields {
            text: &self.text,
            bounds: &self.bounds,
        }
    }
}

impl std::ops::Index<usize> for Fields<'_> {
    type Output = [u8];

    /// Field `i`'s bytes; panics when there is no field `i`, as `csv::ByteRecord` does.
    fn index(&self, i: usize) -> &[u8] {
        let (start, end) = self.bounds[i];
        &self.text[start..end]
    }
}

/// A reader over a whole CSV file held in memory.
///
/// A line without a quote character is split at its delimiters directly (`memchr`),
/// which is what nearly every row of a police.uk file is (they quote nothing); any other
/// record, and every record that spans lines, is read by `csv_core`, the state machine
/// inside the `csv` crate. Both give what the `csv` crate's reader gives (flexible
/// field counts, no header handling, `"` quotes doubled inside quoted fields, `\r`,
/// `\n` and `\r\n` as line ends, blank lines skipped); a test checks them against
/// it on random text.
pub struct Records<'a> {
    body: &'a [u8],
    delimiter: u8,
    /// Offset of the first byte not yet read.
    pos: usize,
    /// The current record's field ranges: in its line, or in `quoted`'s buffer.
    bounds: Vec<(usize, usize)>,
    /// Lines ended before `pos`.
    newlines: u64,
    quoted: QuotedReader,
}

/// `csv_core`'s reader with the buffers it writes a record's fields into.
pub(crate) struct QuotedReader {
    core: csv_core::Reader,
    fields: Vec<u8>,
    ends: Vec<usize>,
    /// The field ranges [`QuotedReader::read`] copies from, kept between records.
    bounds: Vec<(usize, usize)>,
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
    pub fields: Fields<'r>,
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
        Records {
            body,
            delimiter,
            pos: 0,
            bounds: Vec::with_capacity(32),
            newlines: 0,
            quoted: QuotedReader::new(delimiter),
        }
    }

    /// The next record, or `None` at the end of the file.
    pub fn next_record(&mut self) -> Option<RawRecord<'a, '_>> {
        let body: &'a [u8] = self.body;
        // Blank lines are no records: skip line ends, counting them.
        while let Some(&b) = body.get(self.pos) {
            match b {
                b'\n' => self.newlines += 1,
                b'\r' => self.newlines += u64::from(body.get(self.pos + 1) != Some(&b'\n')),
                _ => break,
            }
            self.pos += 1;
        }
        if self.pos >= body.len() {
            return None;
        }
        let start = self.pos;
        let line = self.newlines + 1;
        let rest = &body[start..];
        let line_end = memchr::memchr2(b'\n', b'\r', rest).map_or(body.len(), |i| start + i);
        self.bounds.clear();
        let (end, text): (usize, &[u8]) = if memchr::memchr(b'"', &body[start..line_end]).is_none() {
            // The fields are ranges of the line itself.
            let line_bytes = &body[start..line_end];
            let mut field_start = 0;
            for at in memchr::memchr_iter(self.delimiter, line_bytes) {
                self.bounds.push((field_start, at));
                field_start = at + 1;
            }
            self.bounds.push((field_start, line_bytes.len()));
            // A line split here holds no line end; the one after it is counted as a
            // blank line by the next call.
            (line_end, line_bytes)
        } else {
            let taken = self.quoted.read_bounds(rest, &mut self.bounds)?;
            let end = start + taken;
            // The line ends the record took (inside quoted fields, and the first byte of
            // the one that ends it) are counted here; the rest by the next call.
            self.newlines += line_ends(body, start, end);
            (end, self.quoted.text())
        };
        self.pos = end;
        let mut raw = &body[start..end];
        while let [rest @ .., b'\n' | b'\r'] = raw {
            raw = rest;
        }
        Some(RawRecord {
            line,
            raw,
            fields: Fields {
                text,
                bounds: &self.bounds,
            },
            end: end as u64,
        })
    }
}

impl QuotedReader {
    /// A reader of records split at `delimiter`. Building one builds `csv_core`'s
    /// state machine (microseconds), so a reader is made once and reused.
    pub(crate) fn new(delimiter: u8) -> QuotedReader {
        QuotedReader {
            core: csv_core::ReaderBuilder::new().delimiter(delimiter).build(),
            fields: vec![0; 1024],
            ends: vec![0; 32],
            bounds: Vec::new(),
        }
    }

    /// Read the record at the start of `input` into `record`: how many bytes it took
    /// (with the first byte of its line end, if any), or `None` when `input` holds no
    /// record.
    pub(crate) fn read(&mut self, input: &[u8], record: &mut ByteRecord) -> Option<usize> {
        let mut bounds = std::mem::take(&mut self.bounds);
        let taken = self.read_bounds(input, &mut bounds);
        if taken.is_some() {
            record.clear();
            for &(start, end) in &bounds {
                record.push_field(&self.fields[start..end]);
            }
        }
        self.bounds = bounds;
        taken
    }

    /// The unquoted bytes of the last record read by [`QuotedReader::read_bounds`].
    fn text(&self) -> &[u8] {
        &self.fields
    }

    /// Like [`QuotedReader::read`], leaving the fields in the reader's buffer
    /// ([`QuotedReader::text`]) and their ranges in `bounds`.
    fn read_bounds(&mut self, input: &[u8], bounds: &mut Vec<(usize, usize)>) -> Option<usize> {
        use csv_core::ReadRecordResult;
        self.core.reset();
        let (mut taken, mut written, mut fields) = (0, 0, 0);
        loop {
            let (result, nin, nout, nends) =
                self.core
                    .read_record(&input[taken..], &mut self.fields[written..], &mut self.ends[fields..]);
            taken += nin;
            written += nout;
            fields += nends;
            match result {
                // All of `input` read: the next call, with no input, marks its end.
                ReadRecordResult::InputEmpty => {}
                ReadRecordResult::OutputFull => self.fields.resize(self.fields.len() * 2, 0),
                ReadRecordResult::OutputEndsFull => self.ends.resize(self.ends.len() * 2, 0),
                ReadRecordResult::Record => break,
                ReadRecordResult::End => return None,
            }
        }
        bounds.clear();
        let mut from = 0;
        for &to in &self.ends[..fields] {
            bounds.push((from, to));
            from = to;
        }
        Some(taken)
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

    /// (line, raw, fields) of every record, as the reader gives them.
    type Read = Vec<(u64, Vec<u8>, Vec<Vec<u8>>)>;

    fn read_all(bytes: &[u8], delimiter: u8) -> Read {
        let mut records = Records::with_delimiter(bytes, delimiter);
        std::iter::from_fn(|| {
            records
                .next_record()
                .map(|r| (r.line, r.raw.to_vec(), r.fields.iter().map(<[u8]>::to_vec).collect()))
        })
        .collect()
    }

    /// The reader as it was before the quote-free fast path: every record read by the
    /// `csv` crate's reader, lines counted from its positions.
    fn read_all_with_the_csv_crate(bytes: &[u8], delimiter: u8) -> Read {
        let body = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(body);
        let (mut record, mut out) = (ByteRecord::new(), Vec::new());
        let (mut counted_to, mut newlines) = (0, 0);
        while let Ok(true) = reader.read_byte_record(&mut record) {
            let pos = record.position().cloned().unwrap_or_else(csv::Position::new);
            let end = (reader.position().byte() as usize).min(body.len());
            let mut start = (pos.byte() as usize).min(end);
            while start < end && matches!(body[start], b'\n' | b'\r') {
                start += 1;
            }
            newlines += line_ends(body, counted_to.min(start), start);
            counted_to = start;
            let mut raw = &body[start..end];
            while let [rest @ .., b'\n' | b'\r'] = raw {
                raw = rest;
            }
            out.push((newlines + 1, raw.to_vec(), record.iter().map(<[u8]>::to_vec).collect()));
        }
        out
    }

    /// Random text from the bytes that matter to CSV (delimiters, quotes, every kind of
    /// line end, spaces, multi-byte and invalid UTF-8) and a BOM now and then: the
    /// reader gives exactly what the `csv` crate's reader gave, record for record.
    #[test]
    fn records_are_the_csv_crates_on_random_text() {
        const ALPHABET: [&[u8]; 12] = [
            b"a",
            b"b",
            b"7",
            b",",
            b",",
            b";",
            b"\"",
            b"\n",
            b"\r",
            b" ",
            "é".as_bytes(),
            b"\xff",
        ];
        let mut next = crate::test_support::xorshift64(0x9E37_79B9_7F4A_7C15);
        let mut quoted = 0;
        for case in 0..3000 {
            let mut text = Vec::new();
            if next().is_multiple_of(10) {
                text.extend_from_slice(UTF8_BOM);
            }
            // Some texts without quotes (the fast path alone), some with.
            let no_quotes = case % 3 == 0;
            for _ in 0..next() % 120 {
                let piece = ALPHABET[(next() % ALPHABET.len() as u64) as usize];
                if !(no_quotes && piece == b"\"") {
                    text.extend_from_slice(piece);
                }
            }
            quoted += usize::from(text.contains(&b'"'));
            for delimiter in [b',', b';'] {
                assert_eq!(
                    read_all(&text, delimiter),
                    read_all_with_the_csv_crate(&text, delimiter),
                    "{:?} split on {:?}",
                    String::from_utf8_lossy(&text),
                    delimiter as char
                );
            }
        }
        assert!(quoted > 1000, "{quoted}");
    }

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
