//! Duplicate handling for sources whose rows carry an id: exact repeats are dropped and
//! counted, and new versions of an id are kept and flagged.

use std::borrow::Cow;
use std::collections::HashMap;
use std::collections::hash_map::Entry;

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
                if same_content(g.first, raw) || g.more.iter().any(|m| same_content(m, raw)) {
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

/// Whether two raw rows hold the same fields: equal bytes, or (rarely, when quoting or
/// line ends differ) equal once parsed.
fn same_content(a: &[u8], b: &[u8]) -> bool {
    if a == b {
        return true;
    }
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
