//! A text column chunk written from the dictionaries the table builder already made.
//!
//! Every `Dictionary(Int32, Utf8)` column of a batch holds each of its values once and a
//! key per row. Parquet's Arrow writer ignores that: it interns every row's value into
//! its own dictionary again (a hash and a comparison per row), which was about a tenth
//! of a national ingest's CPU. Here each batch's dictionary is merged into the chunk's
//! once per batch value, and the keys are kept as they are. The chunk is then written in
//! the layout Parquet's writer gives a dictionary-encoded column (format 2.x, data pages
//! version 1): a `PLAIN` dictionary page, then `RLE_DICTIONARY` data pages of at most
//! the properties' row limit, each holding its rows' definition levels and keys in the
//! RLE / bit-packing hybrid (Apache Parquet, "Encodings":
//! <https://parquet.apache.org/docs/file-format/data-pages/encodings/>).
//!
//! Readers cannot tell the difference: the chunk's values, statistics (minimum,
//! maximum and null count over the values it holds) and offset index are what
//! Parquet's writer records. The dictionary's order is the order values first appear,
//! as Parquet's is. One difference in kind: Parquet's writer falls back to PLAIN data
//! pages once a chunk's dictionary passes 1 MiB; this one keeps the dictionary whatever
//! its size, which the format allows and readers accept. The columns written so hold a
//! few values per chunk (a source, a force, a crime type, a file name).

use std::collections::HashMap;

use arrow::array::{Array, AsArray, DictionaryArray};
use arrow::datatypes::Int32Type;
use bytes::Bytes;
use foldhash::fast::FixedState;
use parquet::basic::{Compression, Encoding, PageType};
use parquet::column::page::{CompressedPage, Page, PageWriter};
use parquet::column::writer::ColumnCloseResult;
use parquet::data_type::ByteArray;
use parquet::errors::{ParquetError, Result};
use parquet::file::metadata::{ColumnChunkMetaData, OffsetIndexBuilder, PageEncodingStats};
use parquet::file::properties::{EnabledStatistics, WriterProperties, WriterVersion};
use parquet::file::statistics::{Statistics, ValueStatistics};
use parquet::file::writer::{SerializedPageWriter, TrackedWrite};
use parquet::schema::types::ColumnDescPtr;

/// Whether a column of this descriptor can be written by [`DictionaryChunk`] under
/// these properties: a text column with a dictionary, not repeated, compressed with
/// Snappy or not at all, in data pages version 1, without a Bloom filter.
pub(crate) fn writes(descr: &ColumnDescPtr, props: &WriterProperties) -> bool {
    let path = descr.path();
    descr.physical_type() == parquet::basic::Type::BYTE_ARRAY
        && descr.max_rep_level() == 0
        && descr.max_def_level() <= 1
        && props.dictionary_enabled(path)
        && matches!(props.compression(path), Compression::SNAPPY | Compression::UNCOMPRESSED)
        && props.writer_version() == WriterVersion::PARQUET_1_0
        && props.bloom_filter_properties(path).is_none()
}

/// One column chunk of dictionary-encoded text, built batch by batch.
pub(crate) struct DictionaryChunk {
    descr: ColumnDescPtr,
    /// Each value's key in the chunk's dictionary.
    index: HashMap<Box<[u8]>, u32, FixedState>,
    /// The dictionary, in key order.
    values: Vec<Box<[u8]>>,
    /// One key per non-null row, in row order.
    keys: Vec<u32>,
    /// One definition level per row (1 = a value, 0 = null); empty for a column that
    /// cannot be null.
    levels: Vec<u8>,
    rows: usize,
}

impl DictionaryChunk {
    /// An empty chunk of the column `descr`.
    pub(crate) fn new(descr: ColumnDescPtr) -> DictionaryChunk {
        DictionaryChunk {
            descr,
            index: HashMap::default(),
            values: Vec::new(),
            keys: Vec::new(),
            levels: Vec::new(),
            rows: 0,
        }
    }

    /// Take a batch's column, which must be a `Dictionary(Int32, Utf8)` array. A row is
    /// null when its key is null or its key names a null value.
    pub(crate) fn push(&mut self, array: &dyn Array) -> Result<()> {
        let dictionary = array
            .as_any()
            .downcast_ref::<DictionaryArray<Int32Type>>()
            .ok_or_else(|| ParquetError::General(format!("{} is not Dictionary(Int32, Utf8)", self.descr.name())))?;
        let texts = dictionary
            .values()
            .as_string_opt::<i32>()
            .ok_or_else(|| ParquetError::General(format!("{}'s values are not Utf8", self.descr.name())))?;
        // The batch's keys mapped to the chunk's, found on first use.
        let mut chunk_key = vec![u32::MAX; texts.len()];
        let nullable = self.descr.max_def_level() > 0;
        let keys = dictionary.keys();
        for row in 0..dictionary.len() {
            let key = if keys.is_valid(row) {
                let key = keys.value(row) as usize;
                if key >= texts.len() {
                    return Err(ParquetError::General(format!(
                        "{} row {row}: key {} outside its dictionary of {}",
                        self.descr.name(),
                        keys.value(row),
                        texts.len()
                    )));
                }
                texts.is_valid(key).then_some(key)
            } else {
                None
            };
            let Some(key) = key else {
                if !nullable {
                    return Err(ParquetError::General(format!(
                        "{} is not nullable but row {row} is null",
                        self.descr.name()
                    )));
                }
                self.levels.push(0);
                continue;
            };
            if chunk_key[key] == u32::MAX {
                chunk_key[key] = self.intern(texts.value(key).as_bytes());
            }
            self.keys.push(chunk_key[key]);
            if nullable {
                self.levels.push(1);
            }
        }
        self.rows += dictionary.len();
        Ok(())
    }

    fn intern(&mut self, value: &[u8]) -> u32 {
        if let Some(&key) = self.index.get(value) {
            return key;
        }
        let key = self.values.len() as u32;
        self.values.push(value.into());
        self.index.insert(value.into(), key);
        key
    }

    /// The chunk's bytes (its first byte at offset 0) and what a row group writer needs
    /// to splice them in ([`parquet::file::writer::SerializedRowGroupWriter::append_column`]).
    pub(crate) fn finish(self, props: &WriterProperties) -> Result<(Bytes, ColumnCloseResult)> {
        let path = self.descr.path().clone();
        let compression = props.compression(&path);
        let compress = |buf: Vec<u8>| -> Result<(Bytes, usize)> {
            let uncompressed = buf.len();
            Ok(match compression {
                Compression::SNAPPY => {
                    let compressed = snap::raw::Encoder::new()
                        .compress_vec(&buf)
                        .map_err(|e| ParquetError::External(Box::new(e)))?;
                    (compressed.into(), uncompressed)
                }
                _ => (buf.into(), uncompressed),
            })
        };
        let mut sink = TrackedWrite::new(Vec::new());
        let mut offsets = (!props.offset_index_disabled()).then(OffsetIndexBuilder::new);
        let (mut compressed_total, mut uncompressed_total) = (0i64, 0i64);
        let mut data_page_offset = None;
        let mut data_pages = 0;
        {
            let mut pages = SerializedPageWriter::new(&mut sink);
            let (buf, uncompressed) = compress(self.dictionary_page())?;
            let dictionary = Page::DictionaryPage {
                buf,
                num_values: self.values.len() as u32,
                encoding: Encoding::PLAIN,
                is_sorted: false,
            };
            let spec = pages.write_page(CompressedPage::new(dictionary, uncompressed))?;
            compressed_total += spec.compressed_size as i64;
            uncompressed_total += spec.uncompressed_size as i64;

            let bit_width = required_bits(self.values.len().saturating_sub(1) as u64);
            let page_rows = props.data_page_row_count_limit().max(1);
            let (mut row, mut key) = (0usize, 0usize);
            // At least one data page, even for no rows.
            loop {
                let rows = page_rows.min(self.rows - row);
                let (page, values) = self.data_page(row, rows, key, bit_width);
                let (buf, uncompressed) = compress(page)?;
                let page = Page::DataPage {
                    buf,
                    num_values: rows as u32,
                    encoding: Encoding::RLE_DICTIONARY,
                    def_level_encoding: Encoding::RLE,
                    rep_level_encoding: Encoding::RLE,
                    statistics: None,
                };
                let spec = pages.write_page(CompressedPage::new(page, uncompressed))?;
                data_page_offset.get_or_insert(spec.offset as i64);
                compressed_total += spec.compressed_size as i64;
                uncompressed_total += spec.uncompressed_size as i64;
                if let Some(offsets) = offsets.as_mut() {
                    offsets.append_offset_and_size(spec.offset as i64, spec.compressed_size as i32);
                    offsets.append_row_count(rows as i64);
                }
                data_pages += 1;
                row += rows;
                key += values;
                if row >= self.rows {
                    break;
                }
            }
            pages.close()?;
        }
        let bytes_written = sink.bytes_written() as u64;
        let buffer = sink.into_inner()?;

        let mut metadata = ColumnChunkMetaData::builder(self.descr.clone())
            .set_compression(compression)
            .set_encodings(vec![Encoding::PLAIN, Encoding::RLE, Encoding::RLE_DICTIONARY])
            .set_page_encoding_stats(vec![
                PageEncodingStats {
                    page_type: PageType::DICTIONARY_PAGE,
                    encoding: Encoding::PLAIN,
                    count: 1,
                },
                PageEncodingStats {
                    page_type: PageType::DATA_PAGE,
                    encoding: Encoding::RLE_DICTIONARY,
                    count: data_pages,
                },
            ])
            .set_total_compressed_size(compressed_total)
            .set_total_uncompressed_size(uncompressed_total)
            .set_num_values(self.rows as i64)
            .set_dictionary_page_offset(Some(0))
            .set_data_page_offset(data_page_offset.unwrap_or(0));
        if props.statistics_enabled(&path) != EnabledStatistics::None {
            metadata = metadata.set_statistics(self.statistics(props.statistics_truncate_length()));
        }
        let close = ColumnCloseResult {
            bytes_written,
            rows_written: self.rows as u64,
            metadata: metadata.build()?,
            bloom_filter: None,
            column_index: None,
            offset_index: offsets.map(OffsetIndexBuilder::build),
        };
        Ok((buffer.into(), close))
    }

    /// The dictionary page's bytes: each value as a 4-byte little-endian length and its
    /// bytes (PLAIN).
    fn dictionary_page(&self) -> Vec<u8> {
        let mut plain = Vec::with_capacity(self.values.iter().map(|v| 4 + v.len()).sum());
        for value in &self.values {
            plain.extend_from_slice(&(value.len() as u32).to_le_bytes());
            plain.extend_from_slice(value);
        }
        plain
    }

    /// The bytes of the data page of `rows` rows from `row`, whose first value is key
    /// number `key`, before compression: the definition levels (for a column that can
    /// be null) with their 4-byte length, then the keys' bit width and the keys, both in
    /// the hybrid encoding. Also the number of values (rows not null) it holds.
    fn data_page(&self, row: usize, rows: usize, key: usize, bit_width: u8) -> (Vec<u8>, usize) {
        let mut page = Vec::new();
        let values = if self.levels.is_empty() {
            rows
        } else {
            let levels = &self.levels[row..row + rows];
            let mut encoded = Vec::new();
            rle_hybrid(levels, 1, &mut encoded);
            page.extend_from_slice(&(encoded.len() as u32).to_le_bytes());
            page.extend_from_slice(&encoded);
            levels.iter().filter(|&&l| l == 1).count()
        };
        page.push(bit_width);
        rle_hybrid(&self.keys[key..key + values], bit_width, &mut page);
        (page, values)
    }

    /// The null count, and the least and greatest values (compared as bytes, the
    /// order of Parquet's `UTF8`) unless one is longer than `truncate_to`: Parquet's
    /// writer would shorten it, and no bound is a safe answer.
    fn statistics(&self, truncate_to: Option<usize>) -> Statistics {
        let nulls = (self.rows - self.keys.len()) as u64;
        let min = self.values.iter().min();
        let max = self.values.iter().max();
        let fits = |v: &[u8]| truncate_to.is_none_or(|limit| v.len() <= limit);
        let (min, max) = match (min, max) {
            (Some(min), Some(max)) if fits(min) && fits(max) => {
                (Some(ByteArray::from(min.to_vec())), Some(ByteArray::from(max.to_vec())))
            }
            _ => (None, None),
        };
        Statistics::ByteArray(ValueStatistics::new(min, max, None, Some(nulls), false))
    }
}

/// The bits needed to write `max`: 0 for 0.
fn required_bits(max: u64) -> u8 {
    (64 - max.leading_zeros()) as u8
}

/// Append `values`, each below 2^`bit_width`, in the RLE / bit-packing hybrid (without
/// the length prefix): a run of at least eight equal values is one RLE run (header
/// `count << 1`, then the value in `ceil(bit_width / 8)` little-endian bytes); anything
/// else is bit-packed eight values at a time, least significant bit first (header
/// `groups << 1 | 1`), the last group padded with zeros.
pub(super) fn rle_hybrid<T: Copy + PartialEq + Into<u32>>(values: &[T], bit_width: u8, out: &mut Vec<u8>) {
    let run_at = |i: usize| values[i..].iter().take_while(|&&v| v == values[i]).count();
    let value_bytes = usize::from(bit_width).div_ceil(8);
    let mut i = 0;
    while i < values.len() {
        let run = run_at(i);
        if run >= 8 {
            uleb128((run as u64) << 1, out);
            out.extend_from_slice(&values[i].into().to_le_bytes()[..value_bytes]);
            i += run;
            continue;
        }
        // Bit-pack groups of eight until a group starts a run of eight or more.
        let mut end = i + 8;
        while end < values.len() && run_at(end) < 8 {
            end += 8;
        }
        let groups = (end - i) / 8;
        uleb128(((groups as u64) << 1) | 1, out);
        let (mut bits, mut held) = (0u64, 0u32);
        for j in i..end {
            let value = values.get(j).map_or(0, |&v| v.into());
            bits |= u64::from(value) << held;
            held += u32::from(bit_width);
            while held >= 8 {
                out.push(bits as u8);
                bits >>= 8;
                held -= 8;
            }
        }
        i = end;
    }
}

/// Append `value` as an unsigned LEB128 varint.
fn uleb128(mut value: u64, out: &mut Vec<u8>) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}
