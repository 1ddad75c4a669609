//! The number formats and verdicts of the prose and tables: rounding for the document,
//! thousands separators, changes and significance in words, and the RAG rating.

use crimescope_model::Aim;
use serde_json::{Value, json};

/// A float rounded for the document (4 decimals), or null when not finite.
pub(crate) fn round(x: f64, places: i32) -> Value {
    if x.is_finite() {
        let f = 10f64.powi(places);
        json!((x * f).round() / f)
    } else {
        Value::Null
    }
}

/// "1,234" style thousands separators for prose.
pub(crate) fn thousands(n: u64) -> String {
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

/// A percentage of a whole (0 when the whole is 0), for prose.
pub(crate) fn pct(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        100.0 * part as f64 / whole as f64
    }
}

/// "up 12 (+8.1%)", "down 3 (−2.0%)", "unchanged" for prose.
pub(crate) fn change_words(current: u64, previous: u64) -> String {
    let change = current as i64 - previous as i64;
    let pct = if previous > 0 {
        format!(" ({:+.1}%)", 100.0 * change as f64 / previous as f64)
    } else {
        String::new()
    };
    match change {
        0 => "unchanged".to_string(),
        c if c > 0 => format!("up {}{pct}", thousands(c as u64)),
        c => format!("down {}{pct}", thousands(c.unsigned_abs())),
    }
}

/// The Wheeler z verdict in words.
pub(crate) fn significance_words(z: f64) -> &'static str {
    if z >= 1.96 {
        "a significant increase"
    } else if z <= -1.96 {
        "a significant decrease"
    } else {
        "no significant change"
    }
}

/// Red / amber / green for a change: red is a significant move against the aim, green
/// a significant move with it, amber no significant change.
pub(crate) fn rag(z: f64, aim: Aim) -> &'static str {
    let aim_reduce = aim == Aim::Reduce;
    let against = if aim_reduce { z >= 1.96 } else { z <= -1.96 };
    let with = if aim_reduce { z <= -1.96 } else { z >= 1.96 };
    if against {
        "red"
    } else if with {
        "green"
    } else {
        "amber"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prose_formats() {
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(999), "999");
        assert_eq!(change_words(110, 100), "up 10 (+10.0%)");
        assert_eq!(change_words(5, 0), "up 5");
        assert_eq!(change_words(90, 100), "down 10 (-10.0%)");
        assert_eq!(rag(2.5, Aim::Reduce), "red");
        assert_eq!(rag(-2.5, Aim::Reduce), "green");
        assert_eq!(rag(-2.5, Aim::Increase), "red");
        assert_eq!(rag(1.0, Aim::Reduce), "amber");
    }
}
