//! Repeat victims, offenders and locations.
//!
//! The rows come from SQL (`queries/repeat_people.sql`, `queries/repeat_locations.sql`);
//! the figures are computed here from them.

use std::collections::HashMap;

use crimescope_model::{Period, Source};
use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Date32Type, Float64Type};

use crate::error::{EngineError, Result};
use crate::hotspots::resolved_params;
use crate::session::Session;

mod places;

/// Which repeats to analyse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RepeatKind {
    /// People as victims (`parties.role = victim`).
    Victim,
    /// People as offenders (`offender` and `perpetrator`).
    Offender,
    /// Places.
    Location,
}

/// A repeats request.
#[derive(Debug, Clone, PartialEq)]
pub struct RepeatRequest {
    /// The period.
    pub period: Period,
    /// Only this source.
    pub source: Option<Source>,
    /// Only this category (name or slug).
    pub category: Option<String>,
    /// Only the categories of this theme (a name in the session's themes table).
    pub theme: Option<String>,
    /// A victimisation is a repeat when the same person was victimised before within
    /// this many days (default 365).
    pub window_days: i64,
    /// How many of the top people or places to list.
    pub top: usize,
    /// Person keys left out of people figures (flagged as implausible by
    /// [`crate::quality::screen_person_keys`]); their incidents still count everywhere
    /// else.
    pub exclude_keys: Vec<String>,
}

impl RepeatRequest {
    /// Defaults: a 365-day window, the top 20.
    pub fn new(period: Period) -> RepeatRequest {
        RepeatRequest {
            period,
            source: None,
            category: None,
            theme: None,
            window_days: 365,
            top: 20,
            exclude_keys: Vec::new(),
        }
    }

    async fn params(&self, session: &Session) -> Result<HashMap<String, String>> {
        resolved_params(
            session,
            self.period,
            self.source,
            self.category.as_deref(),
            self.theme.as_deref(),
        )
        .await
    }
}

/// Repeat victimisation (or offending) figures.
#[derive(Debug, Clone, PartialEq)]
pub struct PeopleRepeats {
    /// `victim` or `offender`.
    pub role: String,
    /// Distinct people (prevalence).
    pub people: u64,
    /// Person–incident links (incidence).
    pub incidents: u64,
    /// incidents / people (concentration, Farrell & Pease 1993).
    pub concentration: f64,
    /// People with at least one repeat (a later incident within the window).
    pub repeat_people: u64,
    /// Incidents that are repeats (a later incident within the window of the previous).
    pub repeat_incidents: u64,
    /// People with 1, 2, 3 and 4+ incidents.
    pub frequency: [u64; 4],
    /// Days from each incident to the same person's next: counts in the bins
    /// 0–7, 8–30, 31–90, 91–180, 181–365, over 365.
    pub time_to_next: [u64; 6],
    /// The top people by incidents: (pseudonymised key, incidents, harm).
    pub top: Vec<(String, u64, f64)>,
    /// For offenders: the share of offences and of harm by the top 1%, 5% and 10% of
    /// offenders (the "power few").
    pub power_few: Vec<(f64, f64, f64)>,
    /// Residents, when an LSOA or CSP population is loaded.
    pub residents: Option<u64>,
    /// The repeat window used, in days.
    pub window_days: i64,
    /// Keys of the request's `exclude_keys` that matched, with their incidents under
    /// the request's filters: left out of every figure above.
    pub excluded: Vec<(String, u64)>,
}

/// Counts keyed by bin label, serialized as a JSON object in bin order.
struct Bins(Vec<(&'static str, u64)>);

impl serde::Serialize for Bins {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(k, v)| (*k, *v)))
    }
}

fn share(part: u64, whole: u64) -> f64 {
    if whole == 0 { 0.0 } else { part as f64 / whole as f64 }
}

/// As JSON: the figures with the shares of people and incidents that are repeats,
/// the frequency and days-to-next bins keyed by their labels, rates per 1,000
/// residents, the power few and the top people.
impl serde::Serialize for PeopleRepeats {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        #[derive(serde::Serialize)]
        struct PowerFew {
            top_share_of_offenders: f64,
            share_of_offences: f64,
            share_of_harm: f64,
        }
        #[derive(serde::Serialize)]
        struct Person<'a> {
            person_key: &'a str,
            incidents: u64,
            harm: f64,
        }
        #[derive(serde::Serialize)]
        struct View<'a> {
            role: &'a str,
            people: u64,
            incidents: u64,
            concentration: f64,
            repeat_people: u64,
            share_of_people_repeat: f64,
            repeat_incidents: u64,
            share_of_incidents_repeat: f64,
            window_days: i64,
            frequency: Bins,
            days_to_next: Bins,
            residents: Option<u64>,
            prevalence_per_1000: Option<f64>,
            incidence_per_1000: Option<f64>,
            power_few: Vec<PowerFew>,
            top: Vec<Person<'a>>,
            excluded_keys: usize,
            excluded_incidents: u64,
        }
        let per_1000 = |n: u64| self.residents.map(|p| 1000.0 * n as f64 / p as f64);
        View {
            role: &self.role,
            people: self.people,
            incidents: self.incidents,
            concentration: self.concentration,
            repeat_people: self.repeat_people,
            share_of_people_repeat: share(self.repeat_people, self.people),
            repeat_incidents: self.repeat_incidents,
            share_of_incidents_repeat: share(self.repeat_incidents, self.incidents),
            window_days: self.window_days,
            frequency: Bins(["1", "2", "3", "4+"].into_iter().zip(self.frequency).collect()),
            days_to_next: Bins(TIME_TO_NEXT_BINS.into_iter().zip(self.time_to_next).collect()),
            residents: self.residents,
            prevalence_per_1000: per_1000(self.people),
            incidence_per_1000: per_1000(self.incidents),
            power_few: self
                .power_few
                .iter()
                .map(|&(top_share_of_offenders, share_of_offences, share_of_harm)| PowerFew {
                    top_share_of_offenders,
                    share_of_offences,
                    share_of_harm,
                })
                .collect(),
            top: self
                .top
                .iter()
                .map(|(person_key, incidents, harm)| Person {
                    person_key,
                    incidents: *incidents,
                    harm: *harm,
                })
                .collect(),
            excluded_keys: self.excluded.len(),
            excluded_incidents: self.excluded.iter().map(|e| e.1).sum(),
        }
        .serialize(serializer)
    }
}

/// The bins of [`PeopleRepeats::time_to_next`], as labels.
pub const TIME_TO_NEXT_BINS: [&str; 6] = ["0-7", "8-30", "31-90", "91-180", "181-365", "365+"];

/// Repeat victimisation or offending in the period.
///
/// Prevalence is the number of distinct people, incidence the number of person–incident
/// links, and concentration incidence / prevalence (Farrell, G. & Pease, K. (1993),
/// *Once Bitten, Twice Bitten: Repeat Victimisation and its Implications for Crime
/// Prevention*, Home Office Crime Prevention Unit Paper 46). An incident is a repeat when
/// the same person had one before within `window_days` (by the day where known, else
/// the first of the month). For offenders, the power few are the shares of offences
/// and harm committed by the top 1%, 5% and 10% of offenders (Martinez et al. 2017).
///
/// Needs person keys (the `parties` table): police.uk data has none, and the error
/// says which extracts carry them.
pub async fn people_repeats(session: &Session, request: &RepeatRequest, kind: RepeatKind) -> Result<PeopleRepeats> {
    let role = match kind {
        RepeatKind::Victim => "victim",
        RepeatKind::Offender => "offender",
        RepeatKind::Location => return Err(EngineError::Unanswerable("use location_repeats for places".into())),
    };
    let has_parties = session.manifest().outputs_of("parties").any(|o| o.rows > 0);
    if !has_parties {
        return Err(EngineError::Unanswerable(format!(
            "{role} analysis needs person keys, and this store has none: police.uk open data carries no victims or \
             offenders. Ingest a force crime extract (one row per crime and person) or a council ASB case log; \
             see docs/formats.md"
        )));
    }
    let mut params = request.params(session).await?;
    params.insert("role".into(), role.into());
    let batches = session.run_builtin("repeat_people", &params).await?;
    let mut by_person: HashMap<String, Vec<(i32, f64)>> = HashMap::new();
    for b in &batches {
        let key = cast(b.column(0), &DataType::Utf8)?;
        let key = key.as_string::<i32>();
        let day = b.column(2).as_primitive::<Date32Type>();
        let harm = b.column(4).as_primitive::<Float64Type>();
        for r in 0..b.num_rows() {
            by_person
                .entry(key.value(r).to_string())
                .or_default()
                .push((day.value(r), if harm.is_valid(r) { harm.value(r) } else { 0.0 }));
        }
    }
    let mut excluded: Vec<(String, u64)> = request
        .exclude_keys
        .iter()
        .filter_map(|k| by_person.remove(k).map(|events| (k.clone(), events.len() as u64)))
        .collect();
    excluded.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    if by_person.is_empty() {
        return Err(EngineError::Unanswerable(format!(
            "no {role}s are linked to incidents in {} under these filters",
            request.period
        )));
    }
    let mut frequency = [0u64; 4];
    let mut time_to_next = [0u64; 6];
    let (mut incidents, mut repeat_people, mut repeat_incidents) = (0u64, 0u64, 0u64);
    let mut totals: Vec<(String, u64, f64)> = Vec::with_capacity(by_person.len());
    for (key, mut events) in by_person {
        events.sort_by_key(|e| e.0);
        let n = events.len() as u64;
        incidents += n;
        frequency[(n.min(4) - 1) as usize] += 1;
        let mut repeats = 0;
        for w in events.windows(2) {
            let gap = i64::from(w[1].0 - w[0].0);
            time_to_next[match gap {
                ..=7 => 0,
                8..=30 => 1,
                31..=90 => 2,
                91..=180 => 3,
                181..=365 => 4,
                _ => 5,
            }] += 1;
            if gap <= request.window_days {
                repeats += 1;
            }
        }
        repeat_incidents += repeats;
        if repeats > 0 {
            repeat_people += 1;
        }
        totals.push((key, n, events.iter().map(|e| e.1).sum()));
    }
    totals.sort_by(|a, b| b.1.cmp(&a.1).then(b.2.total_cmp(&a.2)).then(a.0.cmp(&b.0)));
    let people = totals.len() as u64;
    let power_few = if kind == RepeatKind::Offender {
        let harm_total: f64 = totals.iter().map(|t| t.2).sum();
        [0.01, 0.05, 0.10]
            .iter()
            .map(|&share| {
                let k = ((share * people as f64).ceil() as usize).max(1).min(totals.len());
                let offences: u64 = totals[..k].iter().map(|t| t.1).sum();
                let harm: f64 = totals[..k].iter().map(|t| t.2).sum();
                (
                    share,
                    offences as f64 / incidents as f64,
                    if harm_total > 0.0 { harm / harm_total } else { 0.0 },
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(PeopleRepeats {
        role: role.into(),
        people,
        incidents,
        concentration: incidents as f64 / people as f64,
        repeat_people,
        repeat_incidents,
        frequency,
        time_to_next,
        top: totals.into_iter().take(request.top).collect(),
        power_few,
        residents: session.residents(),
        window_days: request.window_days,
        excluded,
    })
}

/// Repeat location figures.
#[derive(Debug, Clone, PartialEq)]
pub struct LocationRepeats {
    /// Places with at least one located incident.
    pub locations: u64,
    /// Places with two or more.
    pub repeat_locations: u64,
    /// Located incidents.
    pub incidents_located: u64,
    /// Incidents at repeat places.
    pub incidents_at_repeat_locations: u64,
    /// Places where more than one source (police, ASB, fire) recorded incidents.
    pub multi_source_locations: u64,
    /// The top places: (place, description, incidents, police, asb, fire).
    pub top: Vec<(String, String, u64, u64, u64, u64)>,
    /// Caveats.
    pub notes: Vec<String>,
}

/// As JSON: the figures with the share of located incidents at repeat places, and the
/// top places as objects.
impl serde::Serialize for LocationRepeats {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        #[derive(serde::Serialize)]
        struct Place<'a> {
            place: &'a str,
            location: &'a str,
            incidents: u64,
            police: u64,
            asb: u64,
            fire: u64,
        }
        #[derive(serde::Serialize)]
        struct View<'a> {
            locations: u64,
            repeat_locations: u64,
            incidents_located: u64,
            incidents_at_repeat_locations: u64,
            share_of_incidents_at_repeat_locations: f64,
            multi_source_locations: u64,
            top: Vec<Place<'a>>,
            notes: &'a [String],
        }
        View {
            locations: self.locations,
            repeat_locations: self.repeat_locations,
            incidents_located: self.incidents_located,
            incidents_at_repeat_locations: self.incidents_at_repeat_locations,
            share_of_incidents_at_repeat_locations: share(self.incidents_at_repeat_locations, self.incidents_located),
            multi_source_locations: self.multi_source_locations,
            top: self
                .top
                .iter()
                .map(|(place, location, incidents, police, asb, fire)| Place {
                    place,
                    location,
                    incidents: *incidents,
                    police: *police,
                    asb: *asb,
                    fire: *fire,
                })
                .collect(),
            notes: &self.notes,
        }
        .serialize(serializer)
    }
}

/// Repeat locations in the period: places, repeat places (two or more incidents), the
/// share of incidents at them, the top places and the places that several sources
/// share. On police.uk data the place is the snap point, which gathers many crimes and
/// inflates repeats; the notes say so.
///
/// The figures are those of `queries/repeat_locations.sql`, taken in two steps
/// ([`places`]): every place's counts without its text, then the text of the top
/// places only; with a category or theme chosen, from the one query.
pub async fn location_repeats(session: &Session, request: &RepeatRequest) -> Result<LocationRepeats> {
    let params = request.params(session).await?;
    let narrow = request.category.is_some() || request.theme.is_some();
    let mut out = places::location_repeats(session, &params, request.top, narrow).await?;
    if session.manifest().files.iter().any(|f| f.profile == "police-uk-street") {
        out.notes.push(
            "police.uk locations are anonymised snap points shared by many crimes, so repeat-location figures on \
             open data are inflated."
                .into(),
        );
    }
    Ok(out)
}
