//! The data.police.uk profiles: street, outcomes and stop-and-search files.

pub mod outcomes;
pub mod stop_search;
pub mod street;

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use csv::ByteRecord;

/// A hash of a record's fields, used to tell identical rows from rows that share an id.
pub(crate) fn record_hash(record: &ByteRecord) -> u64 {
    let mut h = DefaultHasher::new();
    for field in record {
        field.hash(&mut h);
    }
    h.finish()
}

/// Duplicate handling for sources whose rows carry an id.
///
/// Pass 1 ([`IdCensus::observe`]) counts, for each id, the distinct row contents. Pass
/// 2 ([`IdCensus::classify`]) then says of each row whether it is an exact repeat of a
/// row already loaded (drop and count it), and otherwise which distinct version of the
/// id it is and whether the id is flagged (seen with different content).
#[derive(Default)]
pub(crate) struct IdCensus {
    first_pass: HashMap<Vec<u8>, (u32, Vec<u64>)>,
    loaded: HashMap<Vec<u8>, Vec<ByteRecord>>,
}

/// What pass 2 decided about a row with an id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IdClass {
    /// An exact copy of a row already loaded.
    Duplicate,
    /// A row to load: its 1-based version among the id's distinct contents, and
    /// whether the id appears with different content.
    Load { version: usize, flagged: bool },
}

impl IdCensus {
    pub(crate) fn observe(&mut self, id: &[u8], record: &ByteRecord) {
        let hash = record_hash(record);
        let (rows, hashes) = self.first_pass.entry(id.to_vec()).or_default();
        *rows += 1;
        if !hashes.contains(&hash) {
            hashes.push(hash);
        }
    }

    pub(crate) fn classify(&mut self, id: &[u8], record: &ByteRecord) -> IdClass {
        let (rows, distinct) = self
            .first_pass
            .get(id)
            .map_or((1, 1), |(rows, hashes)| (*rows, hashes.len()));
        if rows <= 1 {
            // The common case: the id occurs once, so nothing needs remembering.
            return IdClass::Load {
                version: 1,
                flagged: false,
            };
        }
        let loaded = self.loaded.entry(id.to_vec()).or_default();
        if loaded.iter().any(|r| r == record) {
            return IdClass::Duplicate;
        }
        loaded.push(record.clone());
        IdClass::Load {
            version: loaded.len(),
            flagged: distinct > 1,
        }
    }
}
