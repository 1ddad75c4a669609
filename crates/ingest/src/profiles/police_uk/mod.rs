//! The data.police.uk profiles: street, outcomes and stop-and-search files.

mod layout;
pub mod outcomes;
pub mod stop_search;
pub mod street;

/// The force slug in a police.uk archive file name: `2024-01-city-of-london-street.csv`
/// gives `city-of-london`.
pub fn force_from_file_name(name: &str) -> Option<&str> {
    let stem = name.strip_suffix(".csv").or_else(|| name.strip_suffix(".CSV"))?;
    let rest = stem.get(8..).filter(|_| stem.as_bytes().get(7) == Some(&b'-'))?;
    ["-street", "-outcomes", "-stop-and-search"]
        .iter()
        .find_map(|s| rest.strip_suffix(s))
        .filter(|f| !f.is_empty())
}
