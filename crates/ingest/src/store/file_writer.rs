//! A Parquet file written row group by row group, dictionary text columns through
//! [`DictionaryChunk`] and every other column through Parquet's Arrow column writers.
//!
//! The file is what [`parquet::arrow::ArrowWriter`] writes with the same properties:
//! the same Arrow schema in its metadata, row groups of at most the properties' row
//! count, the same encodings; only the dictionary columns' keys are taken as the table
//! builder made them instead of being found again row by row.

use arrow::datatypes::{DataType, SchemaRef};
use arrow::record_batch::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_writer::{ArrowColumnWriter, ArrowRowGroupWriterFactory, compute_leaves};
use parquet::errors::{ParquetError, Result};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use std::io::Write;

use super::dictionary_chunk::{self, DictionaryChunk};

/// Where one column's values go while a row group is open.
enum ColumnSink {
    Arrow(Box<ArrowColumnWriter>),
    Dictionary(DictionaryChunk),
}

/// A Parquet file of record batches of one schema (see the module docs).
pub(crate) struct StoreFileWriter<W: Write + Send> {
    file: SerializedFileWriter<W>,
    factory: ArrowRowGroupWriterFactory,
    schema: SchemaRef,
    /// Per field: whether [`DictionaryChunk`] writes it.
    by_dictionary: Vec<bool>,
    /// The open row group's columns and rows.
    open: Option<(Vec<ColumnSink>, usize)>,
}

impl<W: Write + Send> StoreFileWriter<W> {
    /// A writer of batches of `schema` to `sink` with `props`.
    pub(crate) fn try_new(sink: W, schema: SchemaRef, props: WriterProperties) -> Result<Self> {
        let (file, factory) = ArrowWriter::try_new(sink, schema.clone(), Some(props))?.into_serialized_writer()?;
        let columns = file.schema_descr().columns();
        // A flat schema has one Parquet column per field, in order.
        let flat = columns.len() == schema.fields().len();
        let by_dictionary = schema
            .fields()
            .iter()
            .zip(columns)
            .map(|(field, column)| {
                flat && matches!(field.data_type(), DataType::Dictionary(key, value)
                    if **key == DataType::Int32 && **value == DataType::Utf8)
                    && dictionary_chunk::writes(column, file.properties())
            })
            .collect();
        Ok(StoreFileWriter {
            file,
            factory,
            schema,
            by_dictionary,
            open: None,
        })
    }

    /// Write a batch, closing row groups as they fill.
    pub(crate) fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        let limit = self
            .file
            .properties()
            .max_row_group_row_count()
            .unwrap_or(usize::MAX)
            .max(1);
        let mut offset = 0;
        while offset < batch.num_rows() {
            let held = self.open.as_ref().map_or(0, |(_, rows)| *rows);
            let take = (limit - held).min(batch.num_rows() - offset);
            self.write_rows(&batch.slice(offset, take))?;
            offset += take;
            if self.open.as_ref().is_some_and(|(_, rows)| *rows >= limit) {
                self.close_row_group()?;
            }
        }
        Ok(())
    }

    fn write_rows(&mut self, batch: &RecordBatch) -> Result<()> {
        if self.open.is_none() {
            let row_group = self.file.flushed_row_groups().len();
            let mut arrow = self.factory.create_column_writers(row_group)?.into_iter();
            let mut sinks = Vec::with_capacity(self.by_dictionary.len());
            for (i, &by_dictionary) in self.by_dictionary.iter().enumerate() {
                let writer = arrow
                    .next()
                    .ok_or_else(|| ParquetError::General("fewer column writers than fields".into()))?;
                sinks.push(if by_dictionary {
                    ColumnSink::Dictionary(DictionaryChunk::new(self.file.schema_descr().column(i)))
                } else {
                    ColumnSink::Arrow(Box::new(writer))
                });
            }
            self.open = Some((sinks, 0));
        }
        let Some((sinks, rows)) = self.open.as_mut() else {
            return Ok(());
        };
        for ((sink, field), column) in sinks.iter_mut().zip(self.schema.fields()).zip(batch.columns()) {
            match sink {
                ColumnSink::Dictionary(chunk) => chunk.push(column.as_ref())?,
                ColumnSink::Arrow(writer) => {
                    for leaf in compute_leaves(field, column)? {
                        writer.write(&leaf)?;
                    }
                }
            }
        }
        *rows += batch.num_rows();
        Ok(())
    }

    fn close_row_group(&mut self) -> Result<()> {
        let Some((sinks, _)) = self.open.take() else {
            return Ok(());
        };
        let props = self.file.properties().clone();
        let mut row_group = self.file.next_row_group()?;
        for sink in sinks {
            match sink {
                ColumnSink::Arrow(writer) => writer.close()?.append_to_row_group(&mut row_group)?,
                ColumnSink::Dictionary(chunk) => {
                    let (bytes, close) = chunk.finish(&props)?;
                    row_group.append_column(&bytes, close)?;
                }
            }
        }
        row_group.close()?;
        Ok(())
    }

    /// Close the last row group, write the footer and return the sink.
    pub(crate) fn into_inner(mut self) -> Result<W> {
        self.close_row_group()?;
        self.file.into_inner()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use arrow::array::{ArrayRef, AsArray, DictionaryArray, Int32Array, StringArray};
    use arrow::compute::cast;
    use arrow::datatypes::{Field, Int32Type, Schema};
    use bytes::Bytes;
    use parquet::arrow::arrow_reader::{
        ArrowReaderOptions, ParquetRecordBatchReaderBuilder, RowSelection, RowSelector,
    };
    use parquet::basic::Compression;
    use parquet::file::metadata::PageIndexPolicy;
    use parquet::file::properties::EnabledStatistics;
    use parquet::file::statistics::Statistics;
    use parquet::schema::types::ColumnPath;

    use crate::test_support::xorshift64;

    /// A batch dictionary column: `rows` keys over `cardinality` values (some never
    /// used, some null, one empty, and from 300 values on one longer than the
    /// statistics' 64 bytes), runs
    /// and scattered keys alternating, with null keys unless `nullable` is false.
    fn dictionary_column(next: &mut dyn FnMut() -> u64, rows: usize, cardinality: usize, nullable: bool) -> ArrayRef {
        let values: StringArray = (0..cardinality)
            .map(|i| match i {
                1 if nullable => None,
                2 => Some(String::new()),
                3 if cardinality >= 300 => Some("é".repeat(40)),
                _ => Some(format!("value {}", next() % 10_000)),
            })
            .collect();
        let usable: Vec<i32> = (0..cardinality as i32).filter(|&k| !(nullable && k == 1)).collect();
        let mut keys = Vec::with_capacity(rows);
        while keys.len() < rows {
            let key = usable[next() as usize % usable.len()];
            let run = if next().is_multiple_of(4) {
                (next() % 40) as usize
            } else {
                1
            };
            for _ in 0..run.min(rows - keys.len()).max(1) {
                keys.push(if nullable && next().is_multiple_of(9) {
                    None
                } else {
                    Some(key)
                });
            }
        }
        keys.truncate(rows);
        Arc::new(DictionaryArray::<Int32Type>::try_new(Int32Array::from(keys), Arc::new(values)).unwrap())
    }

    fn schema() -> SchemaRef {
        let dictionary = DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
        Arc::new(Schema::new(vec![
            Field::new("constant", dictionary.clone(), false),
            Field::new("required", dictionary.clone(), false),
            Field::new("nullable", dictionary.clone(), true),
            Field::new("unpruned", dictionary.clone(), true),
            Field::new("uncompressed", dictionary, true),
            Field::new("text", DataType::Utf8, true),
            Field::new(
                "all_null",
                DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)),
                true,
            ),
        ]))
    }

    fn batches() -> Vec<RecordBatch> {
        let mut next = xorshift64(0xD1C7_10AA_C0DE_5EED);
        let mut batches = Vec::new();
        for (i, rows) in [1usize, 8, 9, 700, 4096, 8192, 3000, 8192, 8192, 123]
            .into_iter()
            .enumerate()
        {
            let constant: ArrayRef = Arc::new(
                DictionaryArray::<Int32Type>::try_new(
                    Int32Array::from(vec![0; rows]),
                    Arc::new(StringArray::from(vec!["police"])),
                )
                .unwrap(),
            );
            let cardinality = [1, 2, 300, 5, 40_000][i % 5];
            let text: ArrayRef = Arc::new(
                (0..rows)
                    .map(|r| (!r.is_multiple_of(5)).then(|| format!("t{}", next() % 97)))
                    .collect::<StringArray>(),
            );
            batches.push(
                RecordBatch::try_new(
                    schema(),
                    vec![
                        constant,
                        dictionary_column(&mut next, rows, cardinality.max(4), false),
                        dictionary_column(&mut next, rows, cardinality.max(4), true),
                        dictionary_column(&mut next, rows, 7, true),
                        dictionary_column(&mut next, rows, 20, true),
                        text,
                        Arc::new(
                            DictionaryArray::<Int32Type>::try_new(
                                Int32Array::from(vec![None; rows]),
                                Arc::new(StringArray::from(vec!["never used"])),
                            )
                            .unwrap(),
                        ),
                    ],
                )
                .unwrap(),
            );
        }
        batches
    }

    fn props() -> WriterProperties {
        WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_max_row_group_row_count(Some(10_000))
            .set_data_page_row_count_limit(1_000)
            .set_statistics_enabled(EnabledStatistics::Chunk)
            .set_column_statistics_enabled(ColumnPath::from("unpruned"), EnabledStatistics::None)
            .set_column_compression(ColumnPath::from("uncompressed"), Compression::UNCOMPRESSED)
            .build()
    }

    fn as_text(column: &ArrayRef) -> Vec<Option<String>> {
        let text = cast(column, &DataType::Utf8).unwrap();
        text.as_string::<i32>().iter().map(|v| v.map(str::to_string)).collect()
    }

    fn columns_as_text(batches: &[RecordBatch]) -> Vec<Vec<Option<String>>> {
        (0..schema().fields().len())
            .map(|c| batches.iter().flat_map(|b| as_text(b.column(c))).collect())
            .collect()
    }

    fn read(file: &Bytes, selection: Option<RowSelection>) -> Vec<RecordBatch> {
        let options = ArrowReaderOptions::new().with_page_index_policy(PageIndexPolicy::Required);
        let mut builder = ParquetRecordBatchReaderBuilder::try_new_with_options(file.clone(), options).unwrap();
        if let Some(selection) = selection {
            builder = builder.with_row_selection(selection);
        }
        builder.build().unwrap().map(Result::unwrap).collect()
    }

    fn written() -> (Bytes, Bytes, Vec<RecordBatch>) {
        let batches = batches();
        let mut ours = StoreFileWriter::try_new(Vec::new(), schema(), props()).unwrap();
        let mut theirs = ArrowWriter::try_new(Vec::new(), schema(), Some(props())).unwrap();
        for batch in &batches {
            ours.write(batch).unwrap();
            theirs.write(batch).unwrap();
        }
        let ours = Bytes::from(ours.into_inner().unwrap());
        let theirs = Bytes::from(theirs.into_inner().unwrap());
        (ours, theirs, batches)
    }

    /// The dictionary columns are written by `DictionaryChunk`, the text column by
    /// Parquet; the file reads back as the batches written, in the same types, and as
    /// Parquet's own writer's file does.
    #[test]
    fn the_file_reads_back_as_written_and_as_parquets_own_writers_file() {
        let (ours, theirs, batches) = written();
        let writer = StoreFileWriter::try_new(Vec::new(), schema(), props()).unwrap();
        assert_eq!(writer.by_dictionary, vec![true, true, true, true, true, false, true]);
        let read_ours = read(&ours, None);
        assert_eq!(read_ours[0].schema(), schema());
        let expected = columns_as_text(&batches);
        assert_eq!(columns_as_text(&read_ours), expected);
        assert_eq!(columns_as_text(&read(&theirs, None)), expected);
    }

    /// Row groups, values and statistics per column chunk are Parquet's writer's: the
    /// null count always, the least and greatest value where Parquet's are exact (it
    /// shortens values over 64 bytes, and ours then records no bounds), none for a
    /// column without statistics.
    #[test]
    fn row_groups_and_statistics_are_parquets_writers() {
        let (ours, theirs, _) = written();
        let meta = |file: &Bytes| {
            ParquetRecordBatchReaderBuilder::try_new(file.clone())
                .unwrap()
                .metadata()
                .clone()
        };
        let (ours, theirs) = (meta(&ours), meta(&theirs));
        assert_eq!(ours.num_row_groups(), theirs.num_row_groups());
        assert_eq!(ours.num_row_groups(), 4);
        let (mut bounds_compared, mut unbounded) = (0, 0);
        for (ours, theirs) in ours.row_groups().iter().zip(theirs.row_groups()) {
            assert_eq!(ours.num_rows(), theirs.num_rows());
            for (c, (ours, theirs)) in ours.columns().iter().zip(theirs.columns()).enumerate() {
                assert_eq!(ours.num_values(), theirs.num_values(), "column {c}");
                assert_eq!(ours.compression(), theirs.compression(), "column {c}");
                assert!(ours.dictionary_page_offset().is_some(), "column {c}");
                match (ours.statistics(), theirs.statistics()) {
                    (None, None) => assert_eq!(c, 3),
                    (Some(Statistics::ByteArray(o)), Some(Statistics::ByteArray(t))) => {
                        assert_eq!(o.null_count_opt(), t.null_count_opt(), "column {c}");
                        if t.max_is_exact() && t.min_is_exact() {
                            assert_eq!(o.min_opt(), t.min_opt(), "column {c}");
                            assert_eq!(o.max_opt(), t.max_opt(), "column {c}");
                            bounds_compared += 1;
                        } else {
                            assert!(o.min_opt().is_none() && o.max_opt().is_none(), "column {c}");
                            unbounded += 1;
                        }
                    }
                    other => panic!("column {c}: statistics differ: {other:?}"),
                }
            }
        }
        assert!(bounds_compared > 10 && unbounded > 0, "{bounds_compared} {unbounded}");
    }

    /// The offset index locates every page: reading a selection of rows that starts and
    /// ends inside pages of several row groups returns exactly those rows.
    #[test]
    fn a_row_selection_through_the_offset_index_reads_exactly_its_rows() {
        let (ours, _, batches) = written();
        let total: usize = batches.iter().map(RecordBatch::num_rows).sum();
        let (skip, take) = (2_345, 17_777);
        let selection = RowSelection::from(vec![
            RowSelector::skip(skip),
            RowSelector::select(take),
            RowSelector::skip(total - skip - take),
        ]);
        let expected: Vec<Vec<Option<String>>> = columns_as_text(&batches)
            .into_iter()
            .map(|c| c[skip..skip + take].to_vec())
            .collect();
        assert_eq!(columns_as_text(&read(&ours, Some(selection))), expected);
    }

    /// The hybrid encoding of the Parquet specification's own cases: a run of eight
    /// zeros is one RLE run; 0,1,0,1,0,1,0,1 at one bit is one bit-packed group, least
    /// significant bit first; a run at bit width 0 has no value bytes; a partial last
    /// group is padded with zeros.
    #[test]
    fn the_hybrid_encoding_is_the_specifications() {
        let encode = |values: &[u32], bit_width: u8| {
            let mut out = Vec::new();
            super::dictionary_chunk::rle_hybrid(values, bit_width, &mut out);
            out
        };
        assert_eq!(encode(&[0; 8], 1), vec![8 << 1, 0x00]);
        assert_eq!(encode(&[0, 1, 0, 1, 0, 1, 0, 1], 1), vec![(1 << 1) | 1, 0b1010_1010]);
        assert_eq!(encode(&[0; 100], 0), vec![0xC8, 0x01]);
        assert_eq!(encode(&[5; 300], 9), vec![0xD8, 0x04, 0x05, 0x00]);
        assert_eq!(encode(&[1, 2, 3], 2), vec![(1 << 1) | 1, 0b11_10_01, 0x00]);
    }
}
