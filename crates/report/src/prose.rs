//! Sentence templates for the document's prose, and the grammar check every generated
//! paragraph must pass.
//!
//! The assessment's sentences are filled in from figures, so the ways they go wrong are
//! mechanical: "1 incidents", a list joined as "a, b, c", a bracket inside a bracket, a
//! fragment that starts in lower case or stops without a full stop. The helpers here
//! build the pieces correctly ([`count_of`], [`list_and`], [`sentence`]);
//! [`prose_problems`] finds what a template got wrong, and the tests run it over every
//! paragraph, note and caption of the demo documents.

/// `n` with its noun in the right number and thousands separators: `count_of(1,
/// "incident", "incidents")` is "1 incident", `count_of(1234, …)` "1,234 incidents".
pub fn count_of(n: u64, singular: &str, plural: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { singular } else { plural })
}

/// "1,234,567" style thousands separators.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// A list in English: "a", "a and b", "a, b and c"; empty for no items.
pub fn list_and<S: AsRef<str>>(items: &[S]) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_string(),
        [init @ .., last] => {
            let init: Vec<&str> = init.iter().map(AsRef::as_ref).collect();
            format!("{} and {}", init.join(", "), last.as_ref())
        }
    }
}

/// A sentence from a clause: the first letter in upper case and a full stop at the end
/// (unless it already ends with `.`, `?`, `!` or `:`).
pub fn sentence(clause: &str) -> String {
    let clause = clause.trim();
    let mut chars = clause.chars();
    let mut out: String = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => return String::new(),
    };
    if !out.ends_with(['.', '?', '!', ':']) {
        out.push('.');
    }
    out
}

/// Abbreviations after which a lower-case word is not a new sentence.
const ABBREVIATIONS: [&str; 5] = ["e.g.", "i.e.", "cf.", "vs.", "approx."];

/// Whether a word may begin a sentence in lower case: the name `police.uk`, or a
/// mathematical symbol (one letter, or one letter with a subscript) followed by `=` or
/// `is`.
fn may_start_lower(word: &str, next: Option<&str>) -> bool {
    let symbol = word.chars().count() == 1 || word.contains('_');
    word.starts_with("police.uk") || (symbol && matches!(next, Some("=" | "is")))
}

/// Plural nouns that must not follow the number 1.
const PLURAL_NOUNS: [&str; 22] = [
    "incidents",
    "crimes",
    "places",
    "victims",
    "offenders",
    "people",
    "persons",
    "keys",
    "cells",
    "categories",
    "months",
    "days",
    "areas",
    "lsoas",
    "wards",
    "files",
    "rows",
    "respondents",
    "offences",
    "sources",
    "themes",
    "pairs",
];

/// What is wrong with one generated paragraph, as short rule names; empty when nothing
/// is. The rules: it starts with a capital letter, a digit, a bullet or a quotation
/// mark; it ends with `.`, `:`, `?` or `!` (possibly inside a closing bracket or
/// quotation mark); brackets balance and do not nest; two bracketed asides do not follow
/// each other; a full stop is followed by a capital; no doubled spaces, no space before
/// `,;.:)` or after `(`; no doubled punctuation (`..` between digits is a period
/// range, not a problem); no empty brackets or list items; no repeated word; the number
/// 1 takes a singular noun; no "(s)" plurals.
pub fn prose_problems(paragraph: &str) -> Vec<&'static str> {
    let mut problems = Vec::new();
    let text = paragraph.trim();
    let Some(first) = text.chars().next() else {
        return vec!["empty paragraph"];
    };
    let words: Vec<&str> = text.split_whitespace().collect();
    let capital = first.is_uppercase() || first.is_ascii_digit() || matches!(first, '•' | '“' | '"' | '‘' | '£');
    if !capital && !may_start_lower(words[0], words.get(1).copied()) {
        problems.push("starts in lower case");
    }
    let end = text.trim_end_matches([')', '”', '"', '’', '*']);
    if !end.ends_with(['.', ':', '?', '!']) {
        problems.push("no full stop at the end");
    }
    let (mut depth, mut deepest, mut unbalanced) = (0i32, 0i32, false);
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            _ => {}
        }
        unbalanced |= depth < 0;
        deepest = deepest.max(depth);
    }
    if unbalanced || depth != 0 {
        problems.push("unbalanced brackets");
    }
    if deepest > 1 {
        problems.push("brackets inside brackets");
    }
    if text.contains(") (") {
        problems.push("two bracketed asides in a row");
    }
    if text.contains("()") || text.contains(", ,") || text.contains(": .") || text.contains("; ;") {
        problems.push("an empty item");
    }
    if text.contains("  ") {
        problems.push("doubled space");
    }
    if [" ,", " ;", " .", " :", " )", "( "].iter().any(|p| text.contains(p)) {
        problems.push("space before punctuation");
    }
    let chars: Vec<char> = text.chars().collect();
    for (i, pair) in chars.windows(2).enumerate() {
        let punct = |c: char| matches!(c, '.' | ',' | ';' | ':');
        let range = pair == ['.', '.']
            && i > 0
            && chars[i - 1].is_ascii_digit()
            && chars.get(i + 2).is_some_and(char::is_ascii_digit);
        if punct(pair[0]) && punct(pair[1]) && !range {
            problems.push("doubled punctuation");
            break;
        }
    }
    for (i, pair) in words.windows(2).enumerate() {
        let bare = |w: &str| w.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase();
        let (a, b) = (bare(pair[0]), bare(pair[1]));
        if !a.is_empty() && a == b && a.chars().all(char::is_alphabetic) && !pair[0].ends_with([',', ';', '.']) {
            problems.push("repeated word");
        }
        if pair[0].ends_with(['.', '?', '!'])
            && !ABBREVIATIONS.contains(&pair[0].to_lowercase().as_str())
            && pair[1].starts_with(|c: char| c.is_lowercase())
            && !may_start_lower(pair[1], words.get(i + 2).copied())
            && !(i > 0 && words[i - 1].eq_ignore_ascii_case("no"))
        {
            problems.push("lower case after a full stop");
        }
        if (pair[0] == "1" || pair[0] == "(1") && PLURAL_NOUNS.contains(&b.as_str()) {
            problems.push("1 with a plural noun");
        }
    }
    if text.contains("(s)") {
        problems.push("\"(s)\" plural");
    }
    problems.dedup();
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_build_correct_pieces() {
        assert_eq!(count_of(1, "incident", "incidents"), "1 incident");
        assert_eq!(count_of(0, "incident", "incidents"), "0 incidents");
        assert_eq!(count_of(1234, "place", "places"), "1,234 places");
        assert_eq!(list_and::<&str>(&[]), "");
        assert_eq!(list_and(&["a"]), "a");
        assert_eq!(list_and(&["a", "b"]), "a and b");
        assert_eq!(list_and(&["a", "b", "c"]), "a, b and c");
        assert_eq!(sentence("no category rose"), "No category rose.");
        assert_eq!(sentence("Is it?"), "Is it?");
        assert_eq!(sentence("  "), "");
        for built in [
            sentence(&format!(
                "{} in {}",
                count_of(1, "incident", "incidents"),
                list_and(&["A", "B", "C"])
            )),
            sentence(&format!(
                "Most harm: {}",
                list_and(&["Robbery (11.8%)", "Burglary (32.7%)"])
            )),
        ] {
            assert!(
                prose_problems(&built).is_empty(),
                "{built}: {:?}",
                prose_problems(&built)
            );
        }
    }

    #[test]
    fn good_prose_passes() {
        for ok in [
            "Crime and ASB: 7,628 incidents, down 96 (-1.2%), no significant change (E-test p = 0.438).",
            "This assessment covers 2025-01..2025-12, compared with 2024-01..2024-12.",
            "• Burglary: 32.7% of all harm, e.g. night-time entries.",
            "Key findings:",
            "“Quoted” text is fine.",
            "The area (E22000336) has 1 district.",
            "Near repeats (Knox): none found.",
            "p is the E-test's p-value. z = 2.1 is its size; police.uk publishes it.",
            "Figures are inflated. police.uk locations are snap points.",
        ] {
            assert!(prose_problems(ok).is_empty(), "{ok}: {:?}", prose_problems(ok));
        }
    }

    #[test]
    fn each_rule_finds_its_fault() {
        let cases = [
            ("). the cells whose centres lie in the area.", "starts in lower case"),
            ("Repeat locations are inflated", "no full stop at the end"),
            ("A (b.", "unbalanced brackets"),
            ("A b).", "unbalanced brackets"),
            ("Shoplifting (up 149 (+29.2%)).", "brackets inside brackets"),
            (
                "Down 96 (-1.2%) (no significant change).",
                "two bracketed asides in a row",
            ),
            ("Largest rises: , , none.", "an empty item"),
            ("Two  spaces.", "doubled space"),
            ("A space , before.", "space before punctuation"),
            ("Stops twice..", "doubled punctuation"),
            ("The the cat.", "repeated word"),
            ("One sentence. then another.", "lower case after a full stop"),
            ("rows read = loaded + rejected.", "starts in lower case"),
            ("There was 1 incidents.", "1 with a plural noun"),
            ("3 key(s) flagged.", "\"(s)\" plural"),
        ];
        for (text, rule) in cases {
            assert!(
                prose_problems(text).contains(&rule),
                "{text}: {:?}",
                prose_problems(text)
            );
        }
    }
}
