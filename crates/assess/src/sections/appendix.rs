//! Section 11: the appendices — the method of every statistic with its citation, a
//! glossary and the data lineage.

use crimescope_report::document::Section;
use crimescope_report::table::{ColumnKind, Table};
use serde_json::json;

use super::RunContext;
use super::data_quality::lineage_table;

/// Every statistic in the document: (statistic, where, method, citation).
pub(crate) const METHODS: &[(&str, &str, &str, &str)] = &[
    (
        "Poisson E-test",
        "Overview, themes, partner data, plan review, RAG, priority trend",
        "Two-sided p that the current and comparison counts share one rate (exposure: months), both counts random; exact sum over the Poisson pairs at least as extreme as the observed.",
        "Krishnamoorthy, K. & Thomson, J. (2004), Journal of Statistical Planning and Inference 119(1):23–35; recommended for crime counts by Wheeler, A. P. (2018), \"Testing changes in short run crime patterns: the Poisson e-test\".",
    ),
    (
        "Size of a change (z)",
        "Overview, themes, partner data, plan review, RAG",
        "z = √2(√current − √previous) (scaled for periods of unequal length): the difference of two variance-stabilised counts on a standard-normal scale. Wheeler's 2(√current − √mean) is used only against a long-run mean of 12 or more prior periods.",
        "Anscombe, F. J. (1948), Biometrika 35:246–254; Wheeler, A. P. (2016), International Journal of Police Science & Management 18(3):159–172.",
    ),
    (
        "Change across many rows",
        "Overview, trend tables, partner data, plan review, RAG",
        "Benjamini–Hochberg adjustment of the E-test p-values across the rows of each table; significant when the adjusted p < 0.05.",
        "Benjamini, Y. & Hochberg, Y. (1995), JRSS B 57(1):289–300.",
    ),
    (
        "Dispersion test",
        "Trends",
        "Pearson X² of the monthly counts against one rate, over k − 1 degrees of freedom (the dispersion ratio); overdispersed when its χ² p < 0.05.",
        "Cochran, W. G. (1954), Biometrics 10(4):417–451; Böhning, D. (1994), Biometrika 81(2):418–419.",
    ),
    (
        "Control chart (c-chart)",
        "Trends",
        "When the months are not overdispersed: Phase I limits c̄ ± 3√c̄ over the span, with exact Poisson probability limits where c̄ < 5.",
        "Montgomery, D. C. (2009), Introduction to Statistical Quality Control, 6th ed., §7.3.",
    ),
    (
        "Laney c′ / u′ chart",
        "Trends",
        "When the months are overdispersed: c̄ ± 3√c̄·σ_z, σ_z = the average moving range of the standardised months ÷ 1.128.",
        "Laney, D. B. (2002), Quality Engineering 14(4):531–537.",
    ),
    (
        "Rolling 12-month total",
        "Trends",
        "The sum of each month and the 11 before it.",
        "Office for National Statistics, Crime in England and Wales: year-ending statistics.",
    ),
    (
        "Seasonal index",
        "Trends",
        "Ratio to a centred 12-month moving average, averaged by calendar month and normalised to a mean of 1 (needs 24 months).",
        "Makridakis, S., Wheelwright, S. & Hyndman, R. (1998), Forecasting: Methods and Applications, 3rd ed., §4.2.",
    ),
    (
        "Mann–Kendall trend test",
        "Trends",
        "S over all pairs of months with the tie-corrected variance; two-sided normal p; Kendall's τ.",
        "Mann, H. B. (1945), Econometrica 13:245–259; Kendall, M. G. (1975), Rank Correlation Methods, 4th ed.",
    ),
    (
        "Getis-Ord Gi*",
        "Area profile, theme locations, hotspots.geojson",
        "Binary weights for cell centres within the band, the cell itself included, zero cells included; two-sided p.",
        "Getis, A. & Ord, J. K. (1992), Geographical Analysis 24(3):189–206; Ord, J. K. & Getis, A. (1995), Geographical Analysis 27(4):286–306.",
    ),
    (
        "False discovery rate",
        "Gi* classes",
        "Benjamini–Hochberg step-up adjustment over the study-area cells; classes at 90, 95 and 99% on the adjusted p.",
        "Benjamini, Y. & Hochberg, Y. (1995), JRSS B 57(1):289–300.",
    ),
    (
        "Repeat victimisation and offending",
        "Theme victims and offenders",
        "Prevalence (people), incidence (incidents), concentration (incidents per person) and repeats within 365 days.",
        "Farrell, G. & Pease, K. (1993), Once Bitten, Twice Bitten, Home Office Crime Prevention Unit Paper 46.",
    ),
    (
        "The power few",
        "Theme offenders",
        "The share of offences and harm held by the top 1, 5 and 10% of offenders.",
        "Sherman, L. W. (2007), The power few, Journal of Experimental Criminology 3:299–321.",
    ),
    (
        "Knox test (near repeats)",
        "Theme near repeats",
        "Unordered pairs counted by distance and time band; expected counts and p from permutations of dates over fixed locations, seeded.",
        "Knox, G. (1964), Applied Statistics 13(1):25–29; Johnson, S. D. et al. (2007), Journal of Quantitative Criminology 23:201–219; Ratcliffe, J. H., Near Repeat Calculator manual.",
    ),
    (
        "Proven re-offending",
        "Partner data",
        "Offences committed within 12 months of the cohort start and proven within a further 6 months.",
        "Ministry of Justice (2024), Proven reoffending statistics: guide.",
    ),
    (
        "Harm weighting",
        "Overview, priority matrix",
        "Each incident weighs its offence's weight where the extract gives a Home Office offence code the bundled table harm_offences_v1 lists (an approximation, not the ONS table), else its category's weight (the configured harm table).",
        "Ashby, M. P. J. (2018), Comparing methods for measuring crime harm/severity, Policing 12(4):439–454; ONS (2016), Research outputs: developing a Crime Severity Score for England and Wales; Sherman, Neyroud & Neyroud (2016), Policing 10(3):171–183.",
    ),
    (
        "Stability of the top five",
        "Priority matrix",
        "Each matrix weight and each category's harm weight in turn × 0.5 and × 1.5; the share of variants with the same top five, and how often each stays in it.",
        "Saltelli, A. et al. (2008), Global Sensitivity Analysis: The Primer, Wiley, §1.2.1 (one-at-a-time analysis).",
    ),
    (
        "Priority matrix",
        "Priority matrix, recommended priorities",
        "Weighted mean of harm, volume, trend and concern scores, each scaled to 0–1 (docs/assessment.md).",
        "Home Office (2007), Delivering Safer Communities: a guide to effective partnership working, ch. 4 (strategic assessment); weights set by the partnership.",
    ),
    (
        "Statistical disclosure control",
        "Published version (--public)",
        "Counts from 1 to threshold − 1 suppressed; complementary suppression so no suppressed cell is recoverable from a row or column total; derived figures of suppressed rows hidden.",
        "Hundepool, A. et al. (2012), Statistical Disclosure Control, Wiley, ch. 4; ONS disclosure control guidance.",
    ),
];

/// Terms a board member may not know.
pub(crate) const GLOSSARY: &[(&str, &str)] = &[
    ("ASB", "Anti-social behaviour."),
    (
        "CSP",
        "Community Safety Partnership: the responsible authorities under the Crime and Disorder Act 1998, s.5.",
    ),
    (
        "LSOA",
        "Lower Layer Super Output Area: a census area of about 1,500 residents.",
    ),
    (
        "Hot spot",
        "A place with significantly more incidents nearby than the area as a whole (Gi*).",
    ),
    (
        "Near repeat",
        "An incident close in space and time to an earlier one, more often than chance would give.",
    ),
    (
        "RAG",
        "Red, amber, green: a significant move against the aim, no significant change, a significant move with it.",
    ),
    ("Snap point", "The anonymised map point police.uk moves each crime to."),
    ("Harm", "A count weighted by how serious the category is."),
    (
        "FDR",
        "False discovery rate: the expected share of false positives among the cells flagged.",
    ),
    (
        "Pseudonymised key",
        "A keyed hash (HMAC-SHA256) that stands for a person; the raw identifier is never stored.",
    ),
];

/// Section 11.
pub(crate) fn appendices(ctx: &RunContext) -> Section {
    let mut s = Section::new("appendices", "Appendices");
    let mut methods = Section::new("appendix-methods", "Methods and citations");
    let mut t = Table::with_columns(
        "methods",
        "The method of every statistic",
        &[
            ("statistic", "Statistic", ColumnKind::Text),
            ("used_in", "Used in", ColumnKind::Text),
            ("method", "Method", ColumnKind::Text),
            ("citation", "Citation", ColumnKind::Text),
        ],
    );
    for (a, b, c, d) in METHODS {
        t.push(vec![json!(a), json!(b), json!(c), json!(d)]);
    }
    methods.tables.push(t);
    let mut glossary = Section::new("appendix-glossary", "Glossary");
    let mut g = Table::with_columns(
        "glossary",
        "Glossary",
        &[
            ("term", "Term", ColumnKind::Text),
            ("meaning", "Meaning", ColumnKind::Text),
        ],
    );
    for (a, b) in GLOSSARY {
        g.push(vec![json!(a), json!(b)]);
    }
    glossary.tables.push(g);
    let mut lineage = Section::new("appendix-lineage", "Data lineage");
    let c = &ctx.config;
    lineage.para(format!(
        "Store: {}. Harm table: {}. Themes: {}. Seed: {}. Every figure can be reproduced with the same store and \
         config.",
        c.store.display(),
        c.harm.name(),
        c.themes.name(),
        c.seed
    ));
    lineage.tables.push(lineage_table(ctx, "appendix-lineage"));
    s.subsections = vec![methods, glossary, lineage];
    s
}
