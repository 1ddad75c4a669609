//! The form in which the store holds `incidents`, where it differs from the canonical
//! schema that queries see ([`crate::schema::incidents_schema`]).
//!
//! **`incident_id` is stored only where the rest of the row does not imply it.** For
//! nearly every incident it is `dataset:record_id` (for police.uk street files, every
//! row with a Crime ID), and stored in full it held each 64-character Crime ID a second
//! time: 404 MB of a national year's 969 MB of `incidents` column data, written twice (the
//! per-input files and the commit's concatenated copy), hashed twice and synced. So a
//! row whose `incident_id` is exactly `dataset:record_id` stores it as null, and
//! readers derive it with [`INCIDENT_ID_SQL`]. An id the row does not imply (`#n`
//! versions of a repeated id, `dataset:file:line` for rows without an id) is stored as
//! it is. Stores written before manifest version 3 hold every id in full, which the same
//! expression reads unchanged.
//!
//! **A `record_id` of 64 lowercase hexadecimal digits is stored as its 32 bytes**
//! (manifest version 4). police.uk's Crime IDs are such digits (a SHA-256 in hex), and
//! as text they were 420 MB of a national year's 557 MB of `incidents` files: text that
//! Snappy cannot shrink (3%), since hex spends a byte on every 4 bits. Such a row stores
//! `record_id` as null and the bytes in [`RECORD_ID_BYTES`] (`FixedSizeBinary(32)`);
//! readers derive the text with [`RECORD_ID_SQL`], which gives back the same digits
//! (lowercase hex is one-to-one). Any other id (uppercase, shorter, another source's)
//! is stored as text. Stores written before version 4 have no such column, which
//! readers take as null.
//!
//! An outside reader of the Parquet files (DuckDB, polars) derives both the same way:
//! `COALESCE(record_id, lower(hex(record_id_bytes)))` for the record id (DuckDB), and
//! `COALESCE(incident_id, dataset || ':' || <that record id>)` for the incident id.

use std::collections::HashMap;
use std::sync::Arc;

use arrow::datatypes::{Field, Schema, SchemaRef};

use crate::schema::{DESCRIPTION_KEY, FieldSpec, INCIDENT_FIELDS, Kind, incidents_schema};

/// The stored column that holds a `record_id` of 64 lowercase hex digits as its bytes.
pub const RECORD_ID_BYTES: &str = "record_id_bytes";

/// [`RECORD_ID_SQL`] as a literal, for the constants built from it.
macro_rules! record_id_sql {
    () => {
        "COALESCE(record_id, encode(record_id_bytes, 'hex'))"
    };
}

/// The SQL that gives the canonical `record_id` from a stored `incidents` row, for a
/// view's select list (DataFusion's `encode(…, 'hex')` writes lowercase digits).
pub const RECORD_ID_SQL: &str = record_id_sql!();

/// The SQL that gives the canonical `incident_id` from a stored `incidents` row, for a
/// view's select list. The final `''` is never reached (a row stores a null id only
/// when it has a `dataset` and a `record_id`); it tells the planner the column is never
/// null, as the canonical schema says.
pub const INCIDENT_ID_SQL: &str = concat!("COALESCE(incident_id, dataset || ':' || ", record_id_sql!(), ", '')");

/// The fields of the stored `incidents` rows, as a table builder makes them: the
/// canonical [`INCIDENT_FIELDS`], then [`RECORD_ID_BYTES`].
pub const STORED_INCIDENT_FIELDS: [FieldSpec; INCIDENT_FIELDS.len() + 1] = {
    let mut fields = [FieldSpec {
        name: RECORD_ID_BYTES,
        kind: Kind::Bytes32,
        nullable: true,
        description: "record_id as the 32 bytes its 64 lowercase hexadecimal digits spell, where it is such \
                      digits (record_id is then null); read the id as COALESCE(record_id, encode(record_id_bytes, 'hex'))",
    }; INCIDENT_FIELDS.len() + 1];
    let mut i = 0;
    while i < INCIDENT_FIELDS.len() {
        fields[i] = INCIDENT_FIELDS[i];
        i += 1;
    }
    fields
};

/// The 32 bytes of a `record_id` that the store keeps as bytes: exactly 64 lowercase
/// hexadecimal digits; `None` for any other id, which is stored as text.
pub fn record_id_bytes(record_id: &str) -> Option<[u8; 32]> {
    let digits = record_id.as_bytes();
    if digits.len() != 64 {
        return None;
    }
    let mut bytes = [0u8; 32];
    for (out, eight) in bytes.chunks_exact_mut(4).zip(digits.chunks_exact(8)) {
        out.copy_from_slice(&lower_hex_8(eight.try_into().ok()?)?);
    }
    Some(bytes)
}

/// The 4 bytes that 8 lowercase hexadecimal digits spell, or `None` when any of them is
/// not one. It runs for every police.uk row, so the 8 digits are checked and decoded
/// together in one 64-bit word (SWAR, "SIMD within a register"; H. S. Warren, *Hacker's
/// Delight*, 2nd ed., 2013, §6-1 on testing bytes of a word): with every byte below
/// 0x80, adding 0x80 − c to a byte sets its high bit exactly when the byte is at least
/// c, and no carry crosses into the next byte.
fn lower_hex_8(digits: [u8; 8]) -> Option<[u8; 4]> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let x = u64::from_le_bytes(digits);
    if x & HIGH != 0 {
        return None;
    }
    let at_least = |c: u64| x + ONES * (0x80 - c);
    let digit = at_least(u64::from(b'0')) & !at_least(u64::from(b'9') + 1);
    let letter = at_least(u64::from(b'a')) & !at_least(u64::from(b'f') + 1);
    if (digit | letter) & HIGH != HIGH {
        return None;
    }
    // A digit's low 4 bits are its value; a letter's (bit 6 set) are its value − 9.
    let nibbles = (x & (ONES * 0x0f)) + ((x >> 6) & ONES) * 9;
    // Pair the nibbles (first digit high) into 16-bit lanes, then the lanes' low bytes
    // into the low 32 bits, in order.
    let lanes = ((nibbles & 0x00ff_00ff_00ff_00ff) << 4) | ((nibbles >> 8) & 0x00ff_00ff_00ff_00ff);
    let pairs = (lanes | (lanes >> 8)) & 0x0000_ffff_0000_ffff;
    let packed = (pairs | (pairs >> 16)) as u32;
    Some(packed.to_le_bytes())
}

/// Whether a row's `incident_id` is implied by its `dataset` and `record_id`, so the
/// store keeps it as null: exactly `dataset:record_id`, with a non-empty `record_id`.
pub fn implies_incident_id(dataset: &str, record_id: &str, incident_id: &str) -> bool {
    !record_id.is_empty()
        && incident_id.len() == dataset.len() + 1 + record_id.len()
        && incident_id.starts_with(dataset)
        && incident_id.as_bytes()[dataset.len()] == b':'
        && incident_id.ends_with(record_id)
}

/// The canonical `record_id` of one stored row from its `record_id` and
/// [`RECORD_ID_BYTES`] (absent in files written before manifest version 4): what
/// [`RECORD_ID_SQL`] gives, for code that reads the Parquet files itself.
pub fn record_id_of(stored: Option<&str>, bytes: Option<&[u8]>) -> Option<String> {
    match (stored, bytes) {
        (Some(id), _) => Some(id.to_string()),
        (None, Some(bytes)) => Some(bytes.iter().map(|b| format!("{b:02x}")).collect()),
        (None, None) => None,
    }
}

/// The canonical `incident_id` of one stored row, given its canonical `record_id`
/// ([`record_id_of`]): what [`INCIDENT_ID_SQL`] gives, for code that reads the Parquet
/// files itself.
pub fn incident_id_of(stored: Option<&str>, dataset: &str, record_id: Option<&str>) -> String {
    match (stored, record_id) {
        (Some(id), _) => id.to_string(),
        (None, Some(record_id)) => format!("{dataset}:{record_id}"),
        (None, None) => String::new(),
    }
}

/// The schema of the stored `incidents` files: the canonical one, with `incident_id`
/// and `record_id` described as stored (see the module docs), `incident_id` nullable,
/// and [`RECORD_ID_BYTES`] last.
pub fn stored_incidents_schema() -> SchemaRef {
    let canonical = incidents_schema();
    let described = |f: &Field, how: &str| {
        let description = format!(
            "{}; {how}",
            f.metadata().get(DESCRIPTION_KEY).map_or("", String::as_str)
        );
        f.clone()
            .with_metadata(HashMap::from([(DESCRIPTION_KEY.to_string(), description)]))
    };
    let mut fields: Vec<Field> = canonical
        .fields()
        .iter()
        .map(|f| match f.name().as_str() {
            "incident_id" => described(
                f,
                "stored as null where it is dataset:record_id (read it as COALESCE(incident_id, dataset || ':' || record_id))",
            )
            .with_nullable(true),
            "record_id" => described(
                f,
                "stored as null where it is 64 lowercase hexadecimal digits, which record_id_bytes then holds",
            ),
            _ => f.as_ref().clone(),
        })
        .collect();
    let bytes = &STORED_INCIDENT_FIELDS[INCIDENT_FIELDS.len()];
    fields.push(
        Field::new(bytes.name, bytes.kind.data_type(), bytes.nullable).with_metadata(HashMap::from([(
            DESCRIPTION_KEY.to_string(),
            bytes.description.to_string(),
        )])),
    );
    Arc::new(Schema::new_with_metadata(fields, canonical.metadata().clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_exact_dataset_colon_record_id_is_implied() {
        let crime_id = "a3f9c0d1e2b4c5d6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0";
        let id = format!("police-uk-street:{crime_id}");
        assert!(implies_incident_id("police-uk-street", crime_id, &id));
        // A version of a repeated id, a file-and-line id and near misses are stored.
        assert!(!implies_incident_id("police-uk-street", crime_id, &format!("{id}#2")));
        assert!(!implies_incident_id("police-uk-street", "", "police-uk-street:a.csv:7"));
        assert!(!implies_incident_id("police-uk-street", "", "police-uk-street:"));
        assert!(!implies_incident_id("police-uk-street", "x", "police-uk-streetXx"));
        assert!(!implies_incident_id("fire", "12", "fire-irs:12"));
        assert!(!implies_incident_id("fire", "12", "fire:13"));
        assert!(!implies_incident_id("fire", "12", "fire:012"));
        // Multi-byte text is compared as bytes, never split inside a character.
        assert!(implies_incident_id("asb-é", "ü1", "asb-é:ü1"));
        assert!(!implies_incident_id("asb-é", "ü1", "asb-éxü1"));
    }

    #[test]
    fn a_stored_id_is_read_as_it_is_and_an_implied_one_is_rebuilt() {
        let (dataset, record_id) = ("police-uk-street", "q2");
        let full = format!("{dataset}:{record_id}");
        assert!(implies_incident_id(dataset, record_id, &full));
        assert_eq!(incident_id_of(None, dataset, Some(record_id)), full);
        assert_eq!(
            incident_id_of(Some("police-uk-street:q2#2"), dataset, Some(record_id)),
            "police-uk-street:q2#2"
        );
        assert_eq!(
            incident_id_of(Some("police-uk-street:a.csv:7"), dataset, None),
            "police-uk-street:a.csv:7"
        );
    }

    #[test]
    fn the_stored_schema_differs_only_in_how_the_ids_are_kept() {
        let (stored, canonical) = (stored_incidents_schema(), incidents_schema());
        assert_eq!(stored.fields().len(), canonical.fields().len() + 1);
        for (s, c) in stored.fields().iter().zip(canonical.fields()) {
            assert_eq!((s.name(), s.data_type()), (c.name(), c.data_type()));
            match s.name().as_str() {
                "incident_id" => {
                    assert!(s.is_nullable() && !c.is_nullable());
                    assert!(s.metadata()[DESCRIPTION_KEY].contains("COALESCE"));
                }
                "record_id" => {
                    assert!(s.is_nullable() && c.is_nullable());
                    assert!(s.metadata()[DESCRIPTION_KEY].contains("record_id_bytes"));
                }
                _ => assert_eq!(s.as_ref(), c.as_ref()),
            }
        }
        let bytes = stored.field(canonical.fields().len());
        assert_eq!(
            (bytes.name().as_str(), bytes.data_type(), bytes.is_nullable()),
            (RECORD_ID_BYTES, &arrow::datatypes::DataType::FixedSizeBinary(32), true)
        );
        assert_eq!(stored.metadata(), canonical.metadata());
        // The builder's fields are the stored schema's, in order.
        let names: Vec<&str> = STORED_INCIDENT_FIELDS.iter().map(|f| f.name).collect();
        let stored_names: Vec<&str> = stored.fields().iter().map(|f| f.name().as_str()).collect();
        assert_eq!(names, stored_names);
    }

    #[test]
    fn only_64_lowercase_hex_digits_are_kept_as_bytes() {
        let crime_id = "a3f9c0d1e2b4c5d6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0";
        let bytes = record_id_bytes(crime_id).unwrap();
        assert_eq!(&bytes[..3], &[0xa3, 0xf9, 0xc0]);
        assert_eq!(bytes[31], 0xf0);
        // Written back as lowercase hex, the bytes are the id.
        assert_eq!(record_id_of(None, Some(&bytes)).as_deref(), Some(crime_id));
        assert_eq!(record_id_of(Some("FS-1"), None).as_deref(), Some("FS-1"));
        assert_eq!(record_id_of(None, None), None);
        assert_eq!(record_id_bytes(&"0".repeat(64)), Some([0; 32]));
        assert_eq!(record_id_bytes(&"f".repeat(64)), Some([0xff; 32]));
        // Uppercase digits would come back lowercase: kept as text, as is anything else.
        assert_eq!(record_id_bytes(&crime_id.to_uppercase()), None);
        assert_eq!(record_id_bytes(&crime_id[..62]), None);
        assert_eq!(record_id_bytes(&format!("{crime_id}0")), None);
        assert_eq!(record_id_bytes(&format!("{}g", &crime_id[..63])), None);
        assert_eq!(record_id_bytes(&format!("{} ", &crime_id[..63])), None);
        assert_eq!(record_id_bytes(""), None);
        // Multi-byte text of 64 bytes is not hex.
        assert_eq!(record_id_bytes(&"é".repeat(32)), None);
        // Every byte value in every place of a 64-bit word (and at the end), as a high
        // and as a low digit: kept exactly when it is one of
        // 0-9a-f, and then decoded to its value.
        for b in 0..=255u8 {
            let digit = match b {
                b'0'..=b'9' => Some(b - b'0'),
                b'a'..=b'f' => Some(b - b'a' + 10),
                _ => None,
            };
            for at in [0, 1, 2, 3, 4, 5, 6, 7, 8, 62, 63] {
                let mut id = vec![b'7'; 64];
                id[at] = b;
                let Ok(id) = std::str::from_utf8(&id) else {
                    continue; // not text: a record id is text
                };
                let expected = digit.map(|d| {
                    let mut bytes = [0x77u8; 32];
                    bytes[at / 2] = if at % 2 == 0 { (d << 4) | 7 } else { 0x70 | d };
                    bytes
                });
                assert_eq!(record_id_bytes(id), expected, "byte {b:#04x} at {at}");
            }
        }
    }
}
