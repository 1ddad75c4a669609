//! The incidents of one force in one year: crimes (with victims, offenders, outcomes
//! and near-repeat burglary contagion), police-recorded ASB, council ASB cases and fire
//! incidents.

use std::collections::HashMap;

use crimescope_model::PoliceUkCrimeType;

use crate::geography::{ForceArea, Place};
use crate::profiles::{ASB_TYPES, CRIMES, FIRE_KINDS, OUTCOMES_DETECTED, OUTCOMES_UNDETECTED, Shape};
use crate::rng::{ChaCha8Rng, Rng, Weighted, exponential, normal, stream};

/// Minutes since 1970-01-01 00:00.
pub type Minutes = i64;

/// The planted parameters, shared by every force.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Plant {
    /// Lognormal sigma of place attractiveness (σ ≈ 1.645 puts half the expected
    /// incidents at 5% of places).
    pub place_sigma: f64,
    /// Extra weight per IMD decile below 10 (1 + k·(10 − decile)).
    pub deprivation_slope: f64,
    /// Hotspots per force.
    pub hotspots_per_force: usize,
    /// Hotspot radius (m).
    pub hotspot_radius_m: f64,
    /// Weight multiplier inside a hotspot.
    pub hotspot_intensity: f64,
    /// The category that rises in the current year.
    #[serde(serialize_with = "crime_type_name")]
    pub rising_category: PoliceUkCrimeType,
    /// Percentage rise of the rising category.
    pub rising_percent: f64,
    /// Near-repeat: chance a burglary triggers a follow-up.
    pub near_repeat_probability: f64,
    /// Near-repeat radius (m).
    pub near_repeat_radius_m: f64,
    /// Near-repeat window (days).
    pub near_repeat_days: i64,
    /// Chance a victimisation is of a previous victim.
    pub repeat_victim_probability: f64,
    /// Mean of the exponential time-since-last-incident at which repeats are drawn (days).
    pub repeat_victim_decay_days: f64,
    /// Zipf exponent of offender activity (the power few).
    pub offender_zipf: f64,
    /// Share of police.uk rows published with No Location.
    pub no_location_share: f64,
}

fn crime_type_name<S: serde::Serializer>(t: &PoliceUkCrimeType, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(t.name())
}

impl Default for Plant {
    fn default() -> Self {
        Plant {
            place_sigma: 1.645,
            deprivation_slope: 0.12,
            hotspots_per_force: 4,
            hotspot_radius_m: 250.0,
            hotspot_intensity: 5.0,
            rising_category: PoliceUkCrimeType::Shoplifting,
            rising_percent: 30.0,
            near_repeat_probability: 0.25,
            near_repeat_radius_m: 200.0,
            near_repeat_days: 14,
            repeat_victim_probability: 0.15,
            repeat_victim_decay_days: 60.0,
            offender_zipf: 1.1,
            no_location_share: 0.08,
        }
    }
}

/// A planted hotspot.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Hotspot {
    /// The force.
    pub force: String,
    /// Centre easting (m).
    pub easting: f64,
    /// Centre northing (m).
    pub northing: f64,
    /// Radius (m).
    pub radius_m: f64,
    /// Weight multiplier.
    pub intensity: f64,
}

/// One crime.
#[derive(Debug, Clone)]
pub struct Crime {
    /// Sequence within the force, unique across years.
    pub seq: u64,
    /// Index into [`CRIMES`].
    pub category: u8,
    /// Committed from.
    pub from: Minutes,
    /// Committed to.
    pub to: Minutes,
    /// Recorded at.
    pub recorded: Minutes,
    /// Index into the force's places.
    pub place: u32,
    /// Victim keys (0, 1 or 2).
    pub victims: Vec<u32>,
    /// Offender keys (0, 1 or 2).
    pub offenders: Vec<u32>,
    /// Domestic-abuse flag.
    pub domestic: bool,
    /// Outcome text (empty: under investigation).
    pub outcome: &'static str,
    /// Published without a location on police.uk.
    pub no_location: bool,
    /// Created by near-repeat contagion.
    pub near_repeat: bool,
}

/// A timed event at a place (police ASB, council ASB, fire).
#[derive(Debug, Clone)]
pub struct Event {
    /// When.
    pub at: Minutes,
    /// Place index.
    pub place: u32,
    /// Kind index (into ASB_TYPES or FIRE_KINDS).
    pub kind: u8,
    /// Victim key, if any.
    pub victim: Option<u32>,
    /// Perpetrator key, if any.
    pub perpetrator: Option<u32>,
    /// No location (police.uk ASB).
    pub no_location: bool,
}

/// Volumes for one force-year.
#[derive(Debug, Clone, Copy)]
pub struct Volumes {
    /// Recorded crimes in the base year.
    pub crimes: usize,
    /// Police-recorded ASB incidents (police.uk).
    pub police_asb: usize,
    /// Council ASB cases.
    pub council_asb: usize,
    /// Deliberate fires (other fire incidents scale with it).
    pub deliberate_fires: usize,
}

/// What one force-year produced.
pub struct ForceYear {
    /// Crimes in time order.
    pub crimes: Vec<Crime>,
    /// Police ASB in time order.
    pub police_asb: Vec<Event>,
    /// Council ASB in time order.
    pub council_asb: Vec<Event>,
    /// Fire incidents in time order.
    pub fires: Vec<Event>,
}

/// Per-force state that spans years: place weights, hotspots, victim and offender
/// pools.
pub struct ForceModel {
    place_sampler: Weighted,
    /// The planted hotspots.
    pub hotspots: Vec<Hotspot>,
    near: HashMap<(i64, i64), Vec<u32>>,
    offender_sampler: Weighted,
    perpetrator_sampler: Weighted,
    next_victim: u32,
    victimisations: Vec<(Minutes, u32)>,
    next_seq: u64,
}

impl ForceModel {
    /// Build the model for a force: place weights with deprivation and hotspots.
    pub fn new(seed: u64, area: &ForceArea, plant: &Plant, volumes: Volumes) -> ForceModel {
        let mut rng = stream(seed, &format!("model/{}", area.slug));
        let mut weights: Vec<f64> = area
            .places
            .iter()
            .map(|p| {
                let decile = f64::from(area.lsoas[p.lsoa as usize].imd_decile);
                (plant.place_sigma * normal(&mut rng)).exp() * (1.0 + plant.deprivation_slope * (10.0 - decile))
            })
            .collect();
        let deprived: Vec<f64> = area
            .places
            .iter()
            .map(|p| f64::from(11 - area.lsoas[p.lsoa as usize].imd_decile.min(10)))
            .collect();
        let centre_sampler = Weighted::new(&deprived);
        let mut hotspots = Vec::new();
        for _ in 0..plant.hotspots_per_force.min(area.places.len()) {
            let c = &area.places[centre_sampler.sample(&mut rng)];
            hotspots.push(Hotspot {
                force: area.slug.to_string(),
                easting: c.easting,
                northing: c.northing,
                radius_m: plant.hotspot_radius_m,
                intensity: plant.hotspot_intensity,
            });
        }
        for (w, p) in weights.iter_mut().zip(&area.places) {
            if hotspots
                .iter()
                .any(|h| dist2(p, h.easting, h.northing) <= h.radius_m * h.radius_m)
            {
                *w *= plant.hotspot_intensity;
            }
        }
        let cell = plant.near_repeat_radius_m;
        let mut near: HashMap<(i64, i64), Vec<u32>> = HashMap::new();
        for (i, p) in area.places.iter().enumerate() {
            near.entry(((p.easting / cell).floor() as i64, (p.northing / cell).floor() as i64))
                .or_default()
                .push(i as u32);
        }
        let offenders = (volumes.crimes as f64 * 0.12).max(10.0) as usize;
        let zipf: Vec<f64> = (0..offenders)
            .map(|k| 1.0 / ((k + 1) as f64).powf(plant.offender_zipf))
            .collect();
        let perpetrators = (volumes.council_asb as f64 * 0.25).max(10.0) as usize;
        let zipf_p: Vec<f64> = (0..perpetrators)
            .map(|k| 1.0 / ((k + 1) as f64).powf(plant.offender_zipf))
            .collect();
        ForceModel {
            place_sampler: Weighted::new(&weights),
            hotspots,
            near,
            offender_sampler: Weighted::new(&zipf),
            perpetrator_sampler: Weighted::new(&zipf_p),
            next_victim: 0,
            victimisations: Vec::new(),
            next_seq: 0,
        }
    }

    /// Generate one year. Years must be generated in order (victims carry over).
    pub fn year(
        &mut self,
        seed: u64,
        area: &ForceArea,
        plant: &Plant,
        volumes: Volumes,
        year: i32,
        current: bool,
    ) -> ForceYear {
        let mut rng = stream(seed, &format!("year/{}/{year}", area.slug));
        let mut crimes = Vec::with_capacity(volumes.crimes + volumes.crimes / 10);
        for (ci, profile) in CRIMES.iter().enumerate() {
            let mut n = volumes.crimes as f64 * profile.share;
            if current && profile.kind == plant.rising_category {
                n *= 1.0 + plant.rising_percent / 100.0;
            }
            if profile.kind == PoliceUkCrimeType::Burglary {
                n /= 1.0 + plant.near_repeat_probability; // contagion adds the rest
            }
            for _ in 0..n.round() as usize {
                let from = sample_time(&mut rng, year, profile.shape);
                let place = self.place_sampler.sample(&mut rng) as u32;
                crimes.push(self.crime(ci as u8, from, place, false, &mut rng));
            }
        }
        // Near-repeat contagion: each original burglary may trigger one nearby, soon after.
        let burglary = CRIMES
            .iter()
            .position(|c| c.kind == PoliceUkCrimeType::Burglary)
            .unwrap_or(0) as u8;
        let originals: Vec<(Minutes, u32)> = crimes
            .iter()
            .filter(|c| c.category == burglary)
            .map(|c| (c.from, c.place))
            .collect();
        let year_end = minutes(year + 1, 1, 1);
        for (from, place) in originals {
            if rng.random::<f64>() >= plant.near_repeat_probability {
                continue;
            }
            let at = from + rng.random_range(1..=plant.near_repeat_days) * 1440 - rng.random_range(0..1440);
            if at <= from || at >= year_end {
                continue;
            }
            if let Some(target) = self.near_place(area, place, plant.near_repeat_radius_m, &mut rng) {
                crimes.push(self.crime(burglary, at, target, true, &mut rng));
            }
        }
        crimes.sort_by_key(|c| (c.from, c.category, c.place));
        for c in &mut crimes {
            c.seq = self.next_seq;
            self.next_seq += 1;
        }
        let police_asb = self.events(&mut rng, year, volumes.police_asb, Shape::NightEconomy, &[], plant);
        let asb_weights: Vec<f64> = ASB_TYPES.iter().map(|t| t.2).collect();
        let mut council_asb = self.events(&mut rng, year, volumes.council_asb, Shape::General, &asb_weights, plant);
        // Victims of crimes and council ASB cases, in one pass in time order (so the
        // victimisation history only ever grows at its end), with repeats whose chance
        // decays with time since the last incident.
        let (mut ci, mut ai) = (0, 0);
        while ci < crimes.len() || ai < council_asb.len() {
            let crime_next = ai >= council_asb.len() || (ci < crimes.len() && crimes[ci].from <= council_asb[ai].at);
            if crime_next {
                let c = &mut crimes[ci];
                ci += 1;
                if !CRIMES[c.category as usize].has_victim {
                    continue;
                }
                let n = if c.category == 0 && rng.random::<f64>() < 0.05 {
                    2
                } else {
                    1
                };
                for _ in 0..n {
                    let victim = self.victim(c.from, plant, &mut rng);
                    if !c.victims.contains(&victim) {
                        c.victims.push(victim);
                    }
                }
            } else {
                let e = &mut council_asb[ai];
                ai += 1;
                if ASB_TYPES[e.kind as usize].0 != "environmental" {
                    e.victim = Some(self.victim(e.at, plant, &mut rng));
                }
                if rng.random::<f64>() < 0.55 {
                    e.perpetrator = Some(self.perpetrator_sampler.sample(&mut rng) as u32);
                }
            }
        }
        let fire_weights: Vec<f64> = FIRE_KINDS.iter().map(|k| k.3).collect();
        let fires_n = (volumes.deliberate_fires as f64 * fire_weights.iter().sum::<f64>()).round() as usize;
        let fires = self.events(&mut rng, year, fires_n, Shape::General, &fire_weights, plant);
        ForceYear {
            crimes,
            police_asb,
            council_asb,
            fires,
        }
    }

    fn crime(&mut self, category: u8, from: Minutes, place: u32, near_repeat: bool, rng: &mut ChaCha8Rng) -> Crime {
        let profile = &CRIMES[category as usize];
        let window = if profile.shape == Shape::Household {
            rng.random_range(0..8 * 60)
        } else {
            0
        };
        let detected = rng.random::<f64>() < profile.detection;
        let mut offenders = Vec::new();
        if detected {
            offenders.push(self.offender_sampler.sample(rng) as u32);
            if rng.random::<f64>() < 0.08 {
                let second = self.offender_sampler.sample(rng) as u32;
                if second != offenders[0] {
                    offenders.push(second);
                }
            }
        }
        let outcome = if detected {
            pick(rng, &OUTCOMES_DETECTED)
        } else {
            pick(rng, &OUTCOMES_UNDETECTED)
        };
        Crime {
            seq: 0,
            category,
            from,
            to: from + window,
            recorded: from + window + rng.random_range(5..3 * 1440),
            place,
            victims: Vec::new(),
            offenders,
            domestic: profile.kind == PoliceUkCrimeType::ViolenceAndSexualOffences && rng.random::<f64>() < 0.3,
            outcome: if outcome == "Under investigation" { "" } else { outcome },
            no_location: false,
            near_repeat,
        }
    }

    fn victim(&mut self, at: Minutes, plant: &Plant, rng: &mut ChaCha8Rng) -> u32 {
        let repeat = !self.victimisations.is_empty() && rng.random::<f64>() < plant.repeat_victim_probability;
        let victim = if repeat {
            // Look back an exponential time; take the victimisation nearest before it.
            let back = (exponential(rng, plant.repeat_victim_decay_days) * 1440.0) as Minutes;
            let target = at - back;
            let i = self.victimisations.partition_point(|(t, _)| *t <= target);
            self.victimisations[i.saturating_sub(1).min(self.victimisations.len() - 1)].1
        } else {
            self.next_victim += 1;
            self.next_victim
        };
        let pos = self.victimisations.partition_point(|(t, _)| *t <= at);
        self.victimisations.insert(pos, (at, victim));
        victim
    }

    fn near_place(&self, area: &ForceArea, from: u32, radius: f64, rng: &mut ChaCha8Rng) -> Option<u32> {
        let p = &area.places[from as usize];
        let (ci, cj) = (
            (p.easting / radius).floor() as i64,
            (p.northing / radius).floor() as i64,
        );
        let mut candidates = Vec::new();
        for di in -1..=1 {
            for dj in -1..=1 {
                for &q in self.near.get(&(ci + di, cj + dj)).map_or(&[][..], |v| v.as_slice()) {
                    if q != from && dist2(&area.places[q as usize], p.easting, p.northing) <= radius * radius {
                        candidates.push(q);
                    }
                }
            }
        }
        (!candidates.is_empty()).then(|| candidates[rng.random_range(0..candidates.len())])
    }

    fn events(
        &mut self,
        rng: &mut ChaCha8Rng,
        year: i32,
        n: usize,
        shape: Shape,
        kind_weights: &[f64],
        plant: &Plant,
    ) -> Vec<Event> {
        let kind_sampler = Weighted::new(if kind_weights.is_empty() { &[1.0] } else { kind_weights });
        let mut out: Vec<Event> = (0..n)
            .map(|_| Event {
                at: sample_time(rng, year, shape),
                place: self.place_sampler.sample(rng) as u32,
                kind: kind_sampler.sample(rng) as u8,
                victim: None,
                perpetrator: None,
                no_location: rng.random::<f64>() < plant.no_location_share,
            })
            .collect();
        out.sort_by_key(|e| (e.at, e.place, e.kind));
        out
    }
}

fn dist2(p: &Place, e: f64, n: f64) -> f64 {
    (p.easting - e).powi(2) + (p.northing - n).powi(2)
}

fn pick(rng: &mut ChaCha8Rng, options: &[(&'static str, f64)]) -> &'static str {
    let total: f64 = options.iter().map(|o| o.1).sum();
    let mut x = rng.random::<f64>() * total;
    for (name, w) in options {
        if x < *w {
            return name;
        }
        x -= w;
    }
    options[options.len() - 1].0
}

/// Minutes since the epoch of a date at midnight.
pub fn minutes(year: i32, month: u32, day: u32) -> Minutes {
    i64::from(crimescope_model::days_from_civil(year, month, day)) * 1440
}

fn days_in_month(year: i32, month: u32) -> u32 {
    let next = if month == 12 { (year + 1, 1) } else { (year, month + 1) };
    (crimescope_model::days_from_civil(next.0, next.1, 1) - crimescope_model::days_from_civil(year, month, 1)) as u32
}

/// Draw a time in `year` from a shape: month by weight, day by weekday weight
/// (rejection), hour by weight, minute uniform.
pub fn sample_time(rng: &mut ChaCha8Rng, year: i32, shape: Shape) -> Minutes {
    let months = shape.months();
    let weekdays = shape.weekdays();
    let hours = shape.hours();
    let month = 1 + pick_index(rng, &months) as u32;
    let max_w = weekdays.iter().cloned().fold(0.0, f64::max);
    let day = loop {
        let d = rng.random_range(1..=days_in_month(year, month));
        let days = crimescope_model::days_from_civil(year, month, d);
        let weekday = (days + 3).rem_euclid(7) as usize; // 1970-01-01 was a Thursday
        if rng.random::<f64>() * max_w <= weekdays[weekday] {
            break d;
        }
    };
    let hour = pick_index(rng, &hours) as i64;
    minutes(year, month, day) + hour * 60 + rng.random_range(0..60)
}

fn pick_index(rng: &mut ChaCha8Rng, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut x = rng.random::<f64>() * total;
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            return i;
        }
        x -= w;
    }
    weights.len() - 1
}
