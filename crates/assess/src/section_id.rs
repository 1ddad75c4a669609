//! The sections of the Strategic Assessment, in the order SI 2007/1830 asks for them.

use std::fmt;

/// A top-level section. Theme chapters are numbered from 1 in the config's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SectionId {
    /// 1. Key findings, recommended priorities and the RAG table.
    Summary,
    /// 2. The statutory context, the data sources and their quality.
    Context,
    /// 3. The area profile and the map of every incident.
    Profile,
    /// 4. Crime and ASB by category.
    Overview,
    /// 5. Monthly series with control charts.
    Trends,
    /// 6. One chapter per theme of the plan (1-based).
    Theme(usize),
    /// 7. Fires, ASB case logs and proven re-offending.
    Partner,
    /// 8. The views of people who live and work in the area.
    Consultation,
    /// 9. The priority matrix.
    Priorities,
    /// 10. How far the previous plan was delivered.
    PlanReview,
    /// 11. Methods, glossary and lineage.
    Appendices,
}

impl SectionId {
    /// The sections that run concurrently over the store, in the order they start:
    /// the data sections, then the themes, partner data, consultation and plan review.
    pub fn analyses(themes: usize) -> Vec<SectionId> {
        let mut out = vec![
            SectionId::Context,
            SectionId::Profile,
            SectionId::Overview,
            SectionId::Trends,
        ];
        out.extend((1..=themes).map(SectionId::Theme));
        out.extend([SectionId::Partner, SectionId::Consultation, SectionId::PlanReview]);
        out
    }

    /// The sections built afterwards from the analyses' figures.
    pub const SYNTHESES: [SectionId; 3] = [SectionId::Priorities, SectionId::Summary, SectionId::Appendices];

    /// The stable identifier used in the document, `assessment.json` and progress lines
    /// (`overview`, `theme-2`, `plan-review`).
    pub fn key(self) -> String {
        match self {
            SectionId::Summary => "summary".into(),
            SectionId::Context => "context".into(),
            SectionId::Profile => "profile".into(),
            SectionId::Overview => "overview".into(),
            SectionId::Trends => "trends".into(),
            SectionId::Theme(i) => format!("theme-{i}"),
            SectionId::Partner => "partner".into(),
            SectionId::Consultation => "consultation".into(),
            SectionId::Priorities => "priorities".into(),
            SectionId::PlanReview => "plan-review".into(),
            SectionId::Appendices => "appendices".into(),
        }
    }
}

impl fmt::Display for SectionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_document_order() {
        assert_eq!(SectionId::Theme(2).to_string(), "theme-2");
        assert_eq!(SectionId::PlanReview.key(), "plan-review");
        let mut all = SectionId::analyses(2);
        all.extend(SectionId::SYNTHESES);
        all.sort();
        let keys: Vec<String> = all.iter().map(|s| s.key()).collect();
        assert_eq!(
            keys,
            [
                "summary",
                "context",
                "profile",
                "overview",
                "trends",
                "theme-1",
                "theme-2",
                "partner",
                "consultation",
                "priorities",
                "plan-review",
                "appendices"
            ]
        );
    }
}
