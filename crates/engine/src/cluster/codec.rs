//! The plan codecs a crimescope cluster uses: Ballista's own, plus what crimescope
//! registers that protobuf alone cannot carry.
//!
//! - **In-memory tables** (`themes`, or any `MemTable` an embedding crate registers)
//!   travel in the logical plan as an Arrow IPC stream. Parquet tables (`ListingTable`)
//!   and `EmptyTable` need no help: only their file URLs and schema cross the network.
//! - **`harm_weight`** travels with its harm table, so a cluster computes with the
//!   client's table, not the executor's default; **`area_lsoa`** travels with the area's
//!   codes. The other crimescope functions carry no state: they go by name, and each
//!   scheduler and executor has them registered.

use std::sync::Arc;

use ballista_core::serde::{BallistaLogicalExtensionCodec, BallistaPhysicalExtensionCodec};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::ipc::reader::StreamReader;
use datafusion::arrow::ipc::writer::StreamWriter;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::{MemTable, TableProvider};
use datafusion::common::{DataFusionError, Result as DfResult, TableReference};
use datafusion::datasource::file_format::FileFormatFactory;
use datafusion::execution::TaskContext;
use datafusion::logical_expr::{AggregateUDF, Extension, LogicalPlan, ScalarUDF, WindowUDF};
use datafusion::physical_plan::ExecutionPlan;
use datafusion_proto::logical_plan::LogicalExtensionCodec;
use datafusion_proto::physical_plan::{PhysicalExtensionCodec, PhysicalProtoConverterExtension};

use crate::area_lsoa::{AreaCodes, area_codes_of, area_lsoa_udf};
use crate::functions::{harm_table_from_text, harm_table_of, harm_table_text, harm_weight_udf};

/// Marks a table provider encoded by this codec (an Arrow IPC stream follows).
const MEMTABLE_TAG: &[u8] = b"crimescope:memtable:1\n";
/// Marks a `harm_weight` function encoded with its table (text follows).
const HARM_TAG: &[u8] = b"crimescope:harm_weight:1\n";
/// Marks an `area_lsoa` function encoded with its codes (text follows).
const AREA_TAG: &[u8] = b"crimescope:area_lsoa:1\n";

/// Ballista's logical codec, extended for in-memory tables and `harm_weight`.
#[derive(Debug, Default)]
pub struct CrimescopeLogicalCodec {
    ballista: BallistaLogicalExtensionCodec,
}

/// Ballista's physical codec, extended for `harm_weight`.
#[derive(Debug, Default)]
pub struct CrimescopePhysicalCodec {
    ballista: BallistaPhysicalExtensionCodec,
}

impl LogicalExtensionCodec for CrimescopeLogicalCodec {
    fn try_decode(&self, buf: &[u8], inputs: &[LogicalPlan], ctx: &TaskContext) -> DfResult<Extension> {
        self.ballista.try_decode(buf, inputs, ctx)
    }

    fn try_encode(&self, node: &Extension, buf: &mut Vec<u8>) -> DfResult<()> {
        self.ballista.try_encode(node, buf)
    }

    fn try_decode_table_provider(
        &self,
        buf: &[u8],
        table_ref: &TableReference,
        schema: SchemaRef,
        ctx: &TaskContext,
    ) -> DfResult<Arc<dyn TableProvider>> {
        match buf.strip_prefix(MEMTABLE_TAG) {
            Some(ipc) => Ok(Arc::new(decode_memtable(table_ref, schema, ipc)?)),
            None => self.ballista.try_decode_table_provider(buf, table_ref, schema, ctx),
        }
    }

    fn try_encode_table_provider(
        &self,
        table_ref: &TableReference,
        node: Arc<dyn TableProvider>,
        buf: &mut Vec<u8>,
    ) -> DfResult<()> {
        match node.downcast_ref::<MemTable>() {
            Some(table) => encode_memtable(table_ref, table, buf),
            None => self.ballista.try_encode_table_provider(table_ref, node, buf),
        }
    }

    fn try_decode_file_format(&self, buf: &[u8], ctx: &TaskContext) -> DfResult<Arc<dyn FileFormatFactory>> {
        self.ballista.try_decode_file_format(buf, ctx)
    }

    fn try_encode_file_format(&self, buf: &mut Vec<u8>, node: Arc<dyn FileFormatFactory>) -> DfResult<()> {
        self.ballista.try_encode_file_format(buf, node)
    }

    fn try_decode_udf(&self, name: &str, buf: &[u8]) -> DfResult<Arc<ScalarUDF>> {
        match decode_udf_state(buf)? {
            Some(udf) => Ok(udf),
            None => self.ballista.try_decode_udf(name, buf),
        }
    }

    fn try_encode_udf(&self, node: &ScalarUDF, buf: &mut Vec<u8>) -> DfResult<()> {
        if encode_udf_state(node, buf) {
            return Ok(());
        }
        self.ballista.try_encode_udf(node, buf)
    }

    fn try_decode_udaf(&self, name: &str, buf: &[u8]) -> DfResult<Arc<AggregateUDF>> {
        self.ballista.try_decode_udaf(name, buf)
    }

    fn try_encode_udaf(&self, node: &AggregateUDF, buf: &mut Vec<u8>) -> DfResult<()> {
        self.ballista.try_encode_udaf(node, buf)
    }

    fn try_decode_udwf(&self, name: &str, buf: &[u8]) -> DfResult<Arc<WindowUDF>> {
        self.ballista.try_decode_udwf(name, buf)
    }

    fn try_encode_udwf(&self, node: &WindowUDF, buf: &mut Vec<u8>) -> DfResult<()> {
        self.ballista.try_encode_udwf(node, buf)
    }
}

impl PhysicalExtensionCodec for CrimescopePhysicalCodec {
    fn try_decode(
        &self,
        buf: &[u8],
        inputs: &[Arc<dyn ExecutionPlan>],
        ctx: &TaskContext,
        proto_converter: &dyn PhysicalProtoConverterExtension,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        self.ballista.try_decode(buf, inputs, ctx, proto_converter)
    }

    fn try_encode(
        &self,
        node: Arc<dyn ExecutionPlan>,
        buf: &mut Vec<u8>,
        proto_converter: &dyn PhysicalProtoConverterExtension,
    ) -> DfResult<()> {
        self.ballista.try_encode(node, buf, proto_converter)
    }

    fn try_decode_udf(&self, name: &str, buf: &[u8]) -> DfResult<Arc<ScalarUDF>> {
        match decode_udf_state(buf)? {
            Some(udf) => Ok(udf),
            None => self.ballista.try_decode_udf(name, buf),
        }
    }

    fn try_encode_udf(&self, node: &ScalarUDF, buf: &mut Vec<u8>) -> DfResult<()> {
        if encode_udf_state(node, buf) {
            return Ok(());
        }
        self.ballista.try_encode_udf(node, buf)
    }
}

/// Write the state of a function that carries one (`harm_weight`'s table after
/// [`HARM_TAG`], `area_lsoa`'s codes after [`AREA_TAG`]); false for any other function.
fn encode_udf_state(node: &ScalarUDF, buf: &mut Vec<u8>) -> bool {
    if let Some(table) = harm_table_of(node) {
        buf.extend_from_slice(HARM_TAG);
        buf.extend_from_slice(harm_table_text(table).as_bytes());
        return true;
    }
    if let Some(codes) = area_codes_of(node) {
        buf.extend_from_slice(AREA_TAG);
        buf.extend_from_slice(codes.to_text().as_bytes());
        return true;
    }
    false
}

/// The `harm_weight` or `area_lsoa` function that `buf` carries, if it carries one.
fn decode_udf_state(buf: &[u8]) -> DfResult<Option<Arc<ScalarUDF>>> {
    let text = |state: &[u8], what: &str| {
        std::str::from_utf8(state)
            .map(str::to_string)
            .map_err(|e| DataFusionError::Internal(format!("{what} is not UTF-8: {e}")))
    };
    if let Some(state) = buf.strip_prefix(HARM_TAG) {
        let table = harm_table_from_text(&text(state, "harm_weight's table")?)
            .map_err(|e| DataFusionError::Internal(format!("harm_weight's table did not decode: {e}")))?;
        return Ok(Some(Arc::new(harm_weight_udf(&table))));
    }
    if let Some(state) = buf.strip_prefix(AREA_TAG) {
        let codes = AreaCodes::from_text(&text(state, "area_lsoa's codes")?)
            .map_err(|e| DataFusionError::Internal(format!("area_lsoa's codes did not decode: {e}")))?;
        return Ok(Some(Arc::new(area_lsoa_udf(codes))));
    }
    Ok(None)
}

fn encode_memtable(table_ref: &TableReference, table: &MemTable, buf: &mut Vec<u8>) -> DfResult<()> {
    let mut batches: Vec<RecordBatch> = Vec::new();
    for partition in &table.batches {
        // Nothing writes to a crimescope MemTable while a query plans; a held lock would
        // mean an embedding crate is inserting into it at this moment.
        let guard = partition.try_read().map_err(|_| {
            DataFusionError::Execution(format!(
                "in-memory table {table_ref} is being written to; plan the query again when the write is done"
            ))
        })?;
        batches.extend(guard.iter().cloned());
    }
    buf.extend_from_slice(MEMTABLE_TAG);
    let mut writer = StreamWriter::try_new(&mut *buf, &table.schema())?;
    for batch in &batches {
        writer.write(batch)?;
    }
    writer.finish()?;
    Ok(())
}

fn decode_memtable(table_ref: &TableReference, schema: SchemaRef, ipc: &[u8]) -> DfResult<MemTable> {
    let reader = StreamReader::try_new(ipc, None)?;
    let batches = reader
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| DataFusionError::Internal(format!("in-memory table {table_ref} did not decode: {e}")))?;
    MemTable::try_new(schema, vec![batches])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crimescope_model::HarmWeights;
    use datafusion::arrow::array::StringArray;
    use datafusion::arrow::datatypes::{DataType, Field, Schema};
    use datafusion::prelude::SessionContext;

    #[test]
    fn memtables_and_harm_tables_round_trip() {
        let schema = Arc::new(Schema::new(vec![Field::new("category", DataType::Utf8, false)]));
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![Arc::new(StringArray::from(vec!["Burglary", "Robbery"]))],
        )
        .unwrap();
        let table = Arc::new(MemTable::try_new(schema.clone(), vec![vec![batch.clone()]]).unwrap());
        let codec = CrimescopeLogicalCodec::default();
        let name = TableReference::bare("themes");
        let mut buf = Vec::new();
        codec.try_encode_table_provider(&name, table, &mut buf).unwrap();
        let ctx = SessionContext::new().task_ctx();
        let back = codec.try_decode_table_provider(&buf, &name, schema, &ctx).unwrap();
        let back = back.downcast_ref::<MemTable>().unwrap();
        assert_eq!(back.batches[0].try_read().unwrap().as_slice(), &[batch]);

        let harm = HarmWeights::parse("mine", "category,weight\nBurglary,3.5\n").unwrap();
        let mut buf = Vec::new();
        codec.try_encode_udf(&harm_weight_udf(&harm), &mut buf).unwrap();
        let udf = codec.try_decode_udf("harm_weight", &buf).unwrap();
        assert_eq!(harm_table_of(&udf), Some(&harm));
        let physical = CrimescopePhysicalCodec::default();
        let udf = physical.try_decode_udf("harm_weight", &buf).unwrap();
        assert_eq!(harm_table_of(&udf), Some(&harm));
    }
}
