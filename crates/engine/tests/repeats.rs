//! Repeat victims, offenders and locations, the near-repeat Knox test and proven
//! re-offending, against the generator's planted truth, raw CSV counts and a
//! hand-built cohort.

mod common;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use crimescope_engine::near_repeat::{NearRepeatRequest, near_repeat};
use crimescope_engine::reoffending::reoffending;
use crimescope_engine::repeats::{RepeatKind, RepeatRequest, location_repeats, people_repeats};
use crimescope_engine::{EngineError, Session};
use crimescope_ingest::pseudonym::PseudonymKey;
use crimescope_ingest::{IngestOptions, NoProgress, ingest};
use crimescope_model::{Period, Source};
use rand::SeedableRng;
use rand::seq::SliceRandom;

struct Synth {
    _dir: tempfile::TempDir,
    store: PathBuf,
    truth: serde_json::Value,
}

fn options() -> IngestOptions {
    IngestOptions::default().with_key(PseudonymKey::from_bytes(b"a test key of at least sixteen bytes").unwrap())
}

/// The coventry scale (seed 42), every file ingested into one store, built once.
fn synth() -> &'static Synth {
    static DATA: OnceLock<Synth> = OnceLock::new();
    DATA.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        crimescope_synth::generate(&crimescope_synth::GenerateOptions::new(
            crimescope_synth::Scale::parse("coventry").unwrap(),
            2025,
            42,
            out.clone(),
        ))
        .unwrap();
        let store = dir.path().join("store");
        ingest(
            &store,
            &[out.join("partners"), out.join("police-uk")],
            &options(),
            &NoProgress,
        )
        .unwrap();
        let truth = serde_json::from_slice(&std::fs::read(out.join("truth.json")).unwrap()).unwrap();
        Synth {
            _dir: dir,
            store,
            truth,
        }
    })
}

fn period(s: &str) -> Period {
    s.parse().unwrap()
}

/// Force-crime victims and offenders over both generated years equal the truth the
/// generator wrote (people with two or more crimes are repeats).
#[tokio::test]
async fn victims_and_offenders_match_the_planted_truth() {
    let s = synth();
    let session = Session::open(&s.store).await.unwrap();
    let mut request = RepeatRequest::new(period("2024-01..2025-12"));
    request.source = Some(Source::Police);
    request.window_days = 10_000; // any earlier crime makes a repeat, as the truth counts them
    let v = people_repeats(&session, &request, RepeatKind::Victim).await.unwrap();
    assert_eq!(v.people, s.truth["victims"].as_u64().unwrap());
    assert_eq!(v.repeat_people, s.truth["repeat_victims"].as_u64().unwrap());
    assert_eq!(v.frequency.iter().sum::<u64>(), v.people);
    assert_eq!(v.frequency[0], v.people - v.repeat_people);
    assert_eq!(v.repeat_incidents, v.incidents - v.people);
    let o = people_repeats(&session, &request, RepeatKind::Offender).await.unwrap();
    assert_eq!(o.people, s.truth["offenders"].as_u64().unwrap());
    assert_eq!(o.repeat_people, s.truth["repeat_offenders"].as_u64().unwrap());
    // The power few: shares rise with the share of offenders and the generator's Zipf
    // offending makes the top 10% commit most offences.
    let shares: Vec<f64> = o.power_few.iter().map(|p| p.1).collect();
    assert!(
        shares[0] < shares[1] && shares[1] < shares[2] && shares[2] > 0.5,
        "{shares:?}"
    );
    // Proven re-offending of the whole generated cohort (starts in 2024).
    let r = reoffending(&session, period("2024-01..2024-12")).await.unwrap();
    let pr = &s.truth["proven_reoffending"];
    assert_eq!(r.rows[0].1.offenders, pr["cohort"].as_u64().unwrap());
    assert_eq!(r.rows[0].1.reoffenders, pr["reoffenders"].as_u64().unwrap());
    // A 30-day window counts fewer repeats than an unlimited one.
    request.window_days = 30;
    let short = people_repeats(&session, &request, RepeatKind::Victim).await.unwrap();
    assert!(short.repeat_incidents < v.repeat_incidents);
}

/// The generator plants near-repeat burglaries (a follow-up within 200 m and 14 days);
/// the Knox test finds them, and with the dates shuffled over the same places it does not.
#[tokio::test(flavor = "multi_thread")]
async fn planted_near_repeats_are_found_and_shuffled_dates_are_not() {
    let s = synth();
    let session = Session::open(&s.store).await.unwrap();
    let nr = &s.truth["near_repeat"];
    assert_eq!(nr["category"], "Burglary");
    let mut request = NearRepeatRequest::new(period("2025-01..2025-12"));
    request.category = Some("burglary".into());
    request.source = Some(Source::Police);
    request.space_bands = vec![0.0, 100.0, 200.0, 400.0];
    request.time_bands = vec![0, 7, 14, 28];
    request.permutations = 199;
    let t = near_repeat(&session, &request).await.unwrap();
    for (s_band, t_band) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
        assert!(t.knox_ratio[s_band][t_band] > 1.2, "ratio {:?}", t.knox_ratio);
        assert!(t.p[s_band][t_band] < 0.05, "p {:?}", t.p);
    }
    // Shuffle: the same events with their days permuted over the places.
    let batches = session
        .sql(
            "SELECT easting, northing, CAST(CAST(occurred_at AS DATE) AS BIGINT) FROM incidents \
             WHERE CAST(category AS VARCHAR) = 'Burglary' AND CAST(source AS VARCHAR) = 'police' \
             AND occurred_at IS NOT NULL AND easting IS NOT NULL AND month >= DATE '2025-01-01' ORDER BY 3, 1, 2",
        )
        .await
        .unwrap();
    use crimescope_engine::arrow::array::AsArray;
    use crimescope_engine::arrow::datatypes::{Float64Type, Int64Type};
    let mut events = Vec::new();
    for b in &batches {
        let (x, y, d) = (
            b.column(0).as_primitive::<Float64Type>(),
            b.column(1).as_primitive::<Float64Type>(),
            b.column(2).as_primitive::<Int64Type>(),
        );
        for r in 0..b.num_rows() {
            events.push(crimescope_spatial::Event {
                x: x.value(r),
                y: y.value(r),
                day: d.value(r),
            });
        }
    }
    assert_eq!(events.len(), t.n);
    let mut days: Vec<i64> = events.iter().map(|e| e.day).collect();
    days.shuffle(&mut rand_chacha::ChaCha8Rng::seed_from_u64(11));
    for (e, d) in events.iter_mut().zip(days) {
        e.day = d;
    }
    let c = crimescope_spatial::knox_test(
        &events,
        &request.space_bands,
        &request.time_bands,
        request.metric,
        199,
        1,
    )
    .unwrap();
    let significant = c.p.iter().flatten().filter(|&&p| p < 0.05).count();
    // 16 cells at 5%: P(5 or more by chance) < 1% for independent cells.
    assert!(
        significant <= 4,
        "{significant} cells significant after shuffling: {:?}",
        c.p
    );
}

#[tokio::test]
async fn month_only_data_is_refused_for_near_repeats_and_victims() {
    let (_dir, session) = common::city_store().await;
    let mut request = NearRepeatRequest::new(period("2024-01..2024-12"));
    request.category = Some("Burglary".into());
    let e = near_repeat(&session, &request).await.unwrap_err().to_string();
    assert!(
        e.contains("needs dates to the day") && e.contains("police.uk publishes months"),
        "{e}"
    );
    let e = people_repeats(
        &session,
        &RepeatRequest::new(period("2024-01..2024-12")),
        RepeatKind::Victim,
    )
    .await
    .unwrap_err();
    assert!(matches!(e, EngineError::Unanswerable(_)));
    assert!(e.to_string().contains("needs person keys") && e.to_string().contains("force crime extract"));
}

/// Repeat locations on the real City of London data against a grouping of the raw CSV
/// done here: the place is the published longitude,latitude pair.
#[tokio::test]
async fn repeat_locations_match_an_independent_grouping_of_the_raw_csv() {
    let mut places: HashMap<(String, String), u64> = HashMap::new();
    for f in common::raw_city_rows() {
        if !f[4].is_empty() {
            *places.entry((f[4].clone(), f[5].clone())).or_default() += 1;
        }
    }
    let (_dir, session) = common::city_store().await;
    let mut request = RepeatRequest::new(period("2024-01..2024-12"));
    request.top = 5;
    let r = location_repeats(&session, &request).await.unwrap();
    assert_eq!(r.locations, places.len() as u64);
    assert_eq!(r.incidents_located, places.values().sum::<u64>());
    assert_eq!(r.repeat_locations, places.values().filter(|&&n| n >= 2).count() as u64);
    assert_eq!(
        r.incidents_at_repeat_locations,
        places.values().filter(|&&n| n >= 2).sum::<u64>()
    );
    let busiest = *places.values().max().unwrap();
    assert_eq!(r.top[0].2, busiest);
    assert_eq!(r.top[0].2, r.top[0].3 + r.top[0].4 + r.top[0].5, "sources add up");
    assert!(r.notes.iter().any(|n| n.contains("inflated")));
}

/// A hand-built cohort of five offenders, worked by hand under the MoJ definition.
#[tokio::test]
async fn reoffending_on_a_hand_built_cohort() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("in");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(
        data.join("probation-cohort.csv"),
        "crn,cohort_start,index_offence,sentence_type,tier,iom\n\
         A1,2024-01-10,Burglary,custody,A,Y\n\
         A2,2024-02-01,Burglary,community order,B,N\n\
         A3,2024-03-01,Drugs,community order,B,N\n\
         A4,2024-03-15,Drugs,suspended sentence,C,N\n\
         A5,2024-06-30,Robbery,custody,A,Y\n",
    )
    .unwrap();
    // A1: two proven re-offences (day 50 and day 200); the one on day 400 is too late.
    // A2: offence on day 100 but convicted on day 600 (> 548): not proven in time.
    // A3: none. A4: one on day 10. A5: an offence before the cohort start does not count.
    std::fs::write(
        data.join("probation-reoffences.csv"),
        "crn,offence_date,conviction_date,offence_category\n\
         A1,2024-02-29,2024-06-01,Burglary\n\
         A1,2024-07-28,2025-01-10,Other theft\n\
         A1,2025-02-13,2025-03-01,Burglary\n\
         A2,2024-05-11,2025-09-23,Shoplifting\n\
         A4,2024-03-25,2024-05-01,Drugs\n\
         A5,2024-06-01,2024-08-01,Robbery\n\
         A3,2026-01-31,2026-02-01,Drugs\n",
    )
    .unwrap();
    let store = dir.path().join("store");
    ingest(&store, &[data], &options(), &NoProgress).unwrap();
    let session = Session::open(&store).await.unwrap();
    let r = reoffending(&session, period("2024-01..2024-06")).await.unwrap();
    let all = &r.rows[0].1;
    assert_eq!((all.offenders, all.reoffenders, all.reoffences), (5, 2, 3));
    assert!((all.rate - 0.4).abs() < 1e-12);
    assert!((all.per_reoffender - 1.5).abs() < 1e-12);
    // First re-offences: A1 on day 50, A4 on day 10 -> median 30.
    assert_eq!(all.median_days_to_first, Some(30.0));
    let find = |b: &str, g: &str| {
        r.rows
            .iter()
            .find(|(x, row)| x == b && row.group == g)
            .map(|(_, row)| row.clone())
    };
    assert_eq!(find("index offence", "Burglary").unwrap().reoffenders, 1);
    assert_eq!(find("iom", "iom").unwrap().offenders, 2);
    assert_eq!(find("tier", "C").unwrap().reoffenders, 1);
    // The latest conviction is 2026-02-01: a 2025-H2 cohort cannot have been followed up.
    let e = reoffending(&session, period("2025-07..2025-12"))
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("not complete"), "{e}");
}

/// The force crime extract's header (docs/formats.md), for hand-written extracts.
const FORCE_CRIME_HEADER: &str = "crime_ref,recorded_at,committed_from,committed_to,ho_offence_code,\
    offence_description,category,easting,northing,uprn,location,victim_id,offender_id,domestic,outcome\n";

/// A placeholder offender key (`UNKNOWN` on 200 crimes) among 200 real offenders: the
/// screen flags it and nothing else, repeat figures leave it out when asked, and the
/// counts reconcile with the raw file.
#[tokio::test]
async fn a_placeholder_offender_key_is_flagged_and_left_out() {
    use crimescope_engine::quality::{PersonKeyPolicy, screen_person_keys};
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from(FORCE_CRIME_HEADER);
    for i in 0..400u32 {
        // Offenders O0..O199 commit one crime each, O0..O9 a second; the rest UNKNOWN.
        let offender = match i {
            0..200 => format!("O{i}"),
            200..210 => format!("O{}", i - 200),
            _ => "UNKNOWN".to_string(),
        };
        let day = 1 + i % 28;
        csv.push_str(&format!(
            "XX/25/{i:07},2025-03-{day:02} 10:00,2025-03-{day:02} 09:00,2025-03-{day:02} 09:30,28/1,Burglary dwelling,\
             Burglary,{},{},{},{} High Street,V{i},{offender},N,Under investigation\n",
            433_000 + i,
            279_000 + i,
            100_000 + i,
            i
        ));
    }
    let file = dir.path().join("force-crime.csv");
    std::fs::write(&file, csv).unwrap();
    let store = dir.path().join("store");
    let summary = ingest(&store, &[file], &options(), &NoProgress).unwrap();
    assert_eq!(summary.totals.rows_loaded, 400, "{:?}", summary.totals);
    let session = Session::open(&store).await.unwrap();
    let march = period("2025-03");
    let screen = screen_person_keys(&session, march, PersonKeyPolicy::default())
        .await
        .unwrap();
    let offenders = screen.roles.iter().find(|r| r.role == "offender").unwrap();
    // 200 real keys of 1-2 crimes: the 99.9th percentile (top 10 left out) is 1 or 2,
    // so the bar is the floor of 50; UNKNOWN's 190 crimes are over it.
    assert_eq!(offenders.keys, 201);
    assert_eq!(offenders.threshold, 50);
    assert_eq!(screen.flagged.len(), 1, "{:?}", screen.flagged);
    assert_eq!(
        (screen.flagged[0].role.as_str(), screen.flagged[0].incidents),
        ("offender", 190)
    );
    let placeholder = screen.excluded("offender");
    assert_eq!(placeholder.len(), 1);
    assert!(screen.excluded("victim").is_empty(), "victims are all distinct");

    let mut request = RepeatRequest::new(march);
    let all = people_repeats(&session, &request, RepeatKind::Offender).await.unwrap();
    assert_eq!((all.people, all.incidents), (201, 400));
    // Left out, the power few are the real offenders' (the placeholder alone held 47.5%).
    request.exclude_keys = placeholder.clone();
    let real = people_repeats(&session, &request, RepeatKind::Offender).await.unwrap();
    assert_eq!((real.people, real.incidents), (200, 210));
    assert_eq!(real.excluded, vec![(placeholder[0].clone(), 190)]);
    assert!(
        real.power_few[0].1 < all.power_few[0].1,
        "{:?} vs {:?}",
        real.power_few,
        all.power_few
    );
    assert!(real.top.iter().all(|t| t.1 <= 2));

    // A configured bar: 150 still flags it, 250 does not; `keep` keeps it in.
    let at = |max| PersonKeyPolicy {
        max_incidents: Some(max),
        keep: false,
    };
    assert_eq!(
        screen_person_keys(&session, march, at(150))
            .await
            .unwrap()
            .flagged
            .len(),
        1
    );
    assert!(
        screen_person_keys(&session, march, at(250))
            .await
            .unwrap()
            .flagged
            .is_empty()
    );
    let kept = screen_person_keys(
        &session,
        march,
        PersonKeyPolicy {
            max_incidents: None,
            keep: true,
        },
    )
    .await
    .unwrap();
    assert_eq!(kept.flagged.len(), 1);
    assert!(kept.excluded("offender").is_empty());
}

/// Offence-level harm: violence and sexual offences coded as common assault, assault
/// with injury and rape weigh what the offence table says, an unlisted code its
/// category's weight; the sum is checked by hand.
#[tokio::test]
async fn harm_is_weighed_by_offence_code_where_the_table_lists_it() {
    use crimescope_engine::offence_harm::harm_by_category;
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from(FORCE_CRIME_HEADER);
    // 10 common assaults (105A), 5 assaults with injury (8N), 1 rape (19C), 2 with a
    // code the table does not list (ZZ9).
    let codes = [("105A", 10), ("8N", 5), ("19C", 1), ("ZZ9", 2)];
    let mut i = 0;
    for (code, n) in codes {
        for _ in 0..n {
            csv.push_str(&format!(
                "XX/25/{i:07},2025-05-10 10:00,2025-05-10 09:00,2025-05-10 09:30,{code},Offence,Violence and sexual \
                 offences,{},{},{},{i} High Street,V{i},O{i},N,Under investigation\n",
                433_000 + i,
                279_000 + i,
                100_000 + i
            ));
            i += 1;
        }
    }
    let file = dir.path().join("force-crime.csv");
    std::fs::write(&file, csv).unwrap();
    let store = dir.path().join("store");
    ingest(&store, &[file], &options(), &NoProgress).unwrap();
    let session = Session::open(&store).await.unwrap();
    let rows = harm_by_category(&session, period("2025-05"), None).await.unwrap();
    assert_eq!(rows.len(), 1);
    let r = &rows[0];
    assert_eq!(
        (r.category.as_str(), r.incidents, r.offence_weighted),
        ("Violence and sexual offences", 18, 16)
    );
    // harm_offences_v1: 105A = 5, 8N = 60, 19C = 1825; harm_weights_v1: the category 150.
    assert_eq!(r.harm, 10.0 * 5.0 + 5.0 * 60.0 + 1825.0 + 2.0 * 150.0);
}

/// `location_repeats` takes its figures in two steps (counts, then the top places'
/// text); they must be those of the one `repeat_locations` query, which sorts every
/// place and gives each its text: the same top places, order, counts and text.
#[tokio::test]
async fn location_repeats_give_the_top_rows_of_the_one_query() {
    use crimescope_engine::arrow::array::{Array, AsArray};
    use crimescope_engine::arrow::compute::cast;
    use crimescope_engine::arrow::datatypes::{DataType, Int64Type};
    let (_dir, session) = common::city_store().await;
    // The two steps without a filter and with a source; with a category, the one query.
    let police = Some(crimescope_model::Source::Police);
    for (category, source, top) in [
        (None, None, 25),
        (None, police, 15),
        (Some("Burglary"), None, 10),
        (None, None, 0),
    ] {
        let mut request = RepeatRequest::new(period("2024-03..2024-10"));
        request.top = top;
        request.category = category.map(str::to_string);
        request.source = source;
        let r = location_repeats(&session, &request).await.unwrap();
        let mut params: std::collections::HashMap<String, String> = [
            ("period_start", "2024-03"),
            ("period_end", "2024-10"),
            ("category", category.unwrap_or("")),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        params.insert(
            "source".into(),
            source.map(|s| s.name().to_string()).unwrap_or_default(),
        );
        let batches = session.run_builtin("repeat_locations", &params).await.unwrap();
        let mut rows = Vec::new();
        for b in &batches {
            let text = |c: usize| cast(b.column(c), &DataType::Utf8).unwrap();
            let (place, location) = (text(0), text(5));
            let (place, location) = (place.as_string::<i32>(), location.as_string::<i32>());
            let int = |c: usize| b.column(c).as_primitive::<Int64Type>().clone();
            let counts: Vec<_> = (1..5).map(int).collect();
            for i in 0..b.num_rows() {
                let c = |k: usize| counts[k].value(i) as u64;
                rows.push((
                    place.value(i).to_string(),
                    if location.is_valid(i) {
                        location.value(i).to_string()
                    } else {
                        String::new()
                    },
                    c(0),
                    c(1),
                    c(2),
                    c(3),
                ));
            }
        }
        assert!(rows.len() > top, "{category:?}: only {} places", rows.len());
        rows.truncate(top);
        assert_eq!(r.top, rows, "{category:?}");
        assert!(r.top.iter().all(|t| !t.1.is_empty()), "every top place has its text");
    }
}
