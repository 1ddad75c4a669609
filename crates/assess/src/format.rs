//! The number formats and verdicts of the prose and tables: rounding for the document,
//! thousands separators, changes and significance in words, and the RAG rating.

use crimescope_model::Aim;
use crimescope_stats::{ChangeTest, PeriodChange};
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

pub(crate) use crimescope_report::prose::thousands;

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

/// The verdict of a change's test in words.
pub(crate) fn significance_words(change: &PeriodChange) -> &'static str {
    match change.significant_rise() {
        Some(true) => "a significant increase",
        Some(false) => "a significant decrease",
        None => "no significant change",
    }
}

/// The test behind a verdict, for prose: "E-test p = 0.012" or, for a row adjusted
/// across its table, "E-test p = 0.012, 0.048 adjusted across the table".
pub(crate) fn test_words(change: &PeriodChange) -> String {
    let p = |x: f64| {
        if x < 0.001 {
            "< 0.001".to_string()
        } else {
            format!("= {x:.3}")
        }
    };
    let test = match change.test {
        ChangeTest::PoissonETest => "E-test",
        ChangeTest::WheelerLongRunMean => "Wheeler's test against the long-run mean",
    };
    if (change.p_fdr - change.p).abs() < 1e-12 {
        format!("{test} p {}", p(change.p))
    } else {
        format!(
            "{test} p {}, {} adjusted across the table",
            p(change.p),
            p(change.p_fdr).trim_start_matches("= ")
        )
    }
}

/// Red / amber / green for a change: red is a significant move against the aim, green
/// a significant move with it, amber no significant change. The test is the change's
/// own (the E-test, adjusted across its table when it has one).
pub(crate) fn rag(change: &PeriodChange, aim: Aim) -> &'static str {
    match (change.significant_rise(), aim) {
        (Some(true), Aim::Reduce) | (Some(false), Aim::Increase) => "red",
        (Some(false), Aim::Reduce) | (Some(true), Aim::Increase) => "green",
        _ => "amber",
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
        let (up, down, flat) = (
            PeriodChange::new(160, 100),
            PeriodChange::new(60, 100),
            PeriodChange::new(25, 16),
        );
        assert_eq!(rag(&up, Aim::Reduce), "red");
        assert_eq!(rag(&down, Aim::Reduce), "green");
        assert_eq!(rag(&down, Aim::Increase), "red");
        // Wheeler's 25 against 16: z was 2 between the periods, but p = 0.165.
        assert_eq!(rag(&flat, Aim::Reduce), "amber");
        assert_eq!(significance_words(&flat), "no significant change");
        assert_eq!(test_words(&flat), "E-test p = 0.165");
        let mut table = vec![PeriodChange::new(30, 18), flat];
        crimescope_stats::adjust_for_many_rows(&mut table);
        assert!(table[0].p_fdr > table[0].p);
        assert!(
            test_words(&table[0]).ends_with("0.165 adjusted across the table"),
            "{}",
            test_words(&table[0])
        );
    }
}
