//! The Knox test against a brute-force count over all pairs, band edges, seeds and
//! thread counts, a planted near-repeat pattern and a shuffled control.

use crimescope_spatial::{Event, Metric, knox_test};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Count every unordered pair into [a, b) bands (last band open), by brute force.
fn brute_force(events: &[Event], space: &[f64], time: &[i64], metric: Metric) -> Vec<Vec<u64>> {
    let band = |edges: &[f64], v: f64| edges.iter().rposition(|&e| e <= v);
    let mut t = vec![vec![0u64; time.len()]; space.len()];
    for i in 0..events.len() {
        for j in i + 1..events.len() {
            let (a, b) = (&events[i], &events[j]);
            let d = match metric {
                Metric::Euclidean => ((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt(),
                Metric::Manhattan => (a.x - b.x).abs() + (a.y - b.y).abs(),
            };
            let dt = (a.day - b.day).abs();
            let tf: Vec<f64> = time.iter().map(|&x| x as f64).collect();
            if let (Some(s), Some(k)) = (band(space, d), band(&tf, dt as f64)) {
                t[s][k] += 1;
            }
        }
    }
    t
}

fn random_events(n: usize, seed: u64, extent: f64, days: i64) -> Vec<Event> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|_| Event {
            // Whole metres, so many pairs land exactly on band edges.
            x: (rng.random::<f64>() * extent).round(),
            y: (rng.random::<f64>() * extent).round(),
            day: rng.random_range(0..days),
        })
        .collect()
}

#[test]
fn observed_counts_equal_brute_force_with_exact_band_edges() {
    let space = [0.0, 100.0, 200.0, 300.0, 400.0];
    let time = [0, 7, 14, 21, 28];
    let mut events = random_events(400, 1, 2000.0, 120);
    // Pairs exactly on the edges: 100 m and 7 days apart, 400 m and 28 days apart.
    events.extend([
        Event {
            x: 10_000.0,
            y: 10_000.0,
            day: 10,
        },
        Event {
            x: 10_100.0,
            y: 10_000.0,
            day: 17,
        },
        Event {
            x: 20_000.0,
            y: 20_000.0,
            day: 50,
        },
        Event {
            x: 20_000.0,
            y: 20_400.0,
            day: 78,
        },
    ]);
    for metric in [Metric::Euclidean, Metric::Manhattan] {
        let t = knox_test(&events, &space, &time, metric, 0, 1).unwrap();
        assert_eq!(t.observed, brute_force(&events, &space, &time, metric), "{metric:?}");
        let n = events.len() as u64;
        assert_eq!(
            t.observed.iter().flatten().sum::<u64>(),
            n * (n - 1) / 2,
            "every pair in one cell"
        );
    }
    // The two edge pairs alone: [100, 200) × [7, 14) and [400, ∞) × [28, ∞).
    let edge = knox_test(&events[400..], &space, &time, Metric::Euclidean, 0, 1).unwrap();
    assert_eq!(edge.observed[1][1], 1);
    assert_eq!(
        edge.observed[4][4], 5,
        "the pair 400 m apart and the four pairs between the two sites"
    );
}

/// Every permutation's table, recounted by brute force over all pairs with the same
/// shuffle of the days (permutation p shuffles with ChaCha8 seeded from
/// `seed × 0x9E3779B97F4A7C15 XOR p`, the documented stream per permutation): the expected
/// counts and p-values must be exactly those of `knox_test`. Band sets cover more than
/// eight time edges (two passes of the counting loop), a first time edge above 0, edges
/// beyond the data's span, and days spanning more than 65,535 days (the wide day type).
#[test]
fn permutation_tables_equal_brute_force_counts_of_the_same_shuffles() {
    use rand::seq::SliceRandom;
    let cases: [(Vec<Event>, Vec<f64>, Vec<i64>); 4] = [
        (
            random_events(300, 7, 1500.0, 90),
            vec![0.0, 100.0, 200.0, 300.0, 400.0],
            vec![0, 7, 14, 21, 28],
        ),
        (
            random_events(250, 8, 1200.0, 60),
            vec![0.0, 150.0, 300.0],
            vec![0, 1, 2, 3, 5, 8, 13, 21, 34, 55],
        ),
        (random_events(250, 9, 1000.0, 400), vec![0.0, 250.0], vec![3, 30, 1000]),
        (
            random_events(200, 10, 1000.0, 200_000),
            vec![0.0, 200.0, 400.0],
            vec![0, 500, 20_000, 70_000],
        ),
    ];
    for (events, space, time) in cases {
        let (permutations, seed) = (19, 11);
        let t = knox_test(&events, &space, &time, Metric::Euclidean, permutations, seed).unwrap();
        let observed = brute_force(&events, &space, &time, Metric::Euclidean);
        assert_eq!(t.observed, observed, "{time:?}");
        let mut expected = vec![vec![0.0f64; time.len()]; space.len()];
        let mut at_least = vec![vec![0u64; time.len()]; space.len()];
        for p in 0..permutations {
            let mut days: Vec<i64> = events.iter().map(|e| e.day).collect();
            let mut rng = ChaCha8Rng::seed_from_u64(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ p as u64);
            days.shuffle(&mut rng);
            let shuffled: Vec<Event> = events.iter().zip(&days).map(|(e, &day)| Event { day, ..*e }).collect();
            let sim = brute_force(&shuffled, &space, &time, Metric::Euclidean);
            for s in 0..space.len() {
                for k in 0..time.len() {
                    expected[s][k] += sim[s][k] as f64;
                    at_least[s][k] += u64::from(sim[s][k] >= observed[s][k]);
                }
            }
        }
        for s in 0..space.len() {
            for k in 0..time.len() {
                assert_eq!(
                    t.expected[s][k],
                    expected[s][k] / permutations as f64,
                    "{time:?} [{s}][{k}]"
                );
                let p = (at_least[s][k] + 1) as f64 / (permutations + 1) as f64;
                assert_eq!(t.p[s][k], p, "{time:?} [{s}][{k}]");
            }
        }
    }
}

#[test]
fn same_seed_same_table_on_any_thread_count() {
    let events = random_events(1500, 2, 3000.0, 365);
    let run = |threads: usize, seed: u64| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| knox_test(&events, &[0.0, 100.0, 200.0], &[0, 7, 14], Metric::Euclidean, 199, seed).unwrap())
    };
    let one = run(1, 5);
    assert_eq!(one, run(2, 5));
    assert_eq!(one, run(4, 5));
    assert_ne!(one.expected, run(1, 6).expected);
}

/// Planted near repeats: each of 300 "originators" has a follower within 50 m and 5
/// days. The first cell is strongly elevated; with the days shuffled, nothing is.
#[test]
fn finds_planted_near_repeats_and_not_shuffled_ones() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let mut events = random_events(900, 4, 5000.0, 365);
    for i in 0..300 {
        let e = events[i];
        events.push(Event {
            x: e.x + rng.random_range(-35.0..35.0),
            y: e.y + rng.random_range(-35.0..35.0),
            day: e.day + rng.random_range(0..5),
        });
    }
    let space = [0.0, 100.0, 200.0];
    let time = [0, 7, 14];
    let t = knox_test(&events, &space, &time, Metric::Euclidean, 999, 1).unwrap();
    assert!(t.knox_ratio[0][0] > 1.2, "ratio {}", t.knox_ratio[0][0]);
    assert!(t.p[0][0] < 0.05, "p {}", t.p[0][0]);
    assert!((t.p[0][0] - 0.001).abs() < 1e-12, "no simulation reaches it");

    // Shuffle the days over the locations: the pattern is gone.
    let mut days: Vec<i64> = events.iter().map(|e| e.day).collect();
    use rand::seq::SliceRandom;
    days.shuffle(&mut ChaCha8Rng::seed_from_u64(9));
    let shuffled: Vec<Event> = events.iter().zip(days).map(|(e, day)| Event { day, ..*e }).collect();
    let c = knox_test(&shuffled, &space, &time, Metric::Euclidean, 999, 1).unwrap();
    let significant = c.p.iter().flatten().filter(|&&p| p < 0.05).count();
    // 9 cells at 5%: more than 2 would be unusual by chance (P ≈ 0.008 if independent).
    assert!(
        significant <= 2,
        "{significant} cells significant after shuffling: {:?}",
        c.p
    );
    assert!((c.knox_ratio[0][0] - 1.0).abs() < 0.3, "ratio {}", c.knox_ratio[0][0]);

    // Reported patterns: the planted cell, significant after adjustment across the 9
    // cells and above the practical threshold; nothing once the days are shuffled.
    let found = t.patterns(crimescope_spatial::DEFAULT_MIN_KNOX_RATIO);
    assert!(found.iter().any(|p| (p.space_band, p.time_band) == (0, 0)), "{found:?}");
    for p in &found {
        assert!(p.p_fdr < 0.05 && p.knox_ratio >= 1.2 && p.p_fdr >= p.p);
    }
    assert!(
        c.patterns(crimescope_spatial::DEFAULT_MIN_KNOX_RATIO).is_empty(),
        "{:?}",
        c.p_fdr()
    );
}

/// Large data make tiny excesses significant: ratios of 1.00-1.04 at p = 0.001 in every
/// cell are significant after adjustment but are not reported as a pattern at the
/// default threshold; at a threshold of 1.0 they would be.
#[test]
fn significant_ratios_near_one_are_not_patterns() {
    let ratio = [[1.03, 1.01], [1.04, 1.00]];
    let t = crimescope_spatial::KnoxTable {
        n: 50_000,
        space_bands: vec![0.0, 100.0],
        time_bands: vec![0, 7],
        observed: vec![vec![10_300, 10_100], vec![10_400, 10_000]],
        expected: vec![vec![10_000.0; 2]; 2],
        knox_ratio: ratio.iter().map(|r| r.to_vec()).collect(),
        p: vec![vec![0.001, 0.001], vec![0.001, 0.6]],
        permutations: 999,
        seed: 1,
        close_pairs: 40_800,
        metric: Metric::Euclidean,
    };
    let q = t.p_fdr();
    // BH by hand: three p of 0.001 and one of 0.6 over 4 cells: 0.001 * 4 / 3 = 0.00133.
    assert!((q[0][0] - 0.004 / 3.0).abs() < 1e-15 && (q[1][1] - 0.6).abs() < 1e-15);
    assert!(t.patterns(crimescope_spatial::DEFAULT_MIN_KNOX_RATIO).is_empty());
    assert_eq!(t.patterns(1.0).len(), 3);
}

#[test]
fn bad_bands_are_errors() {
    let events = random_events(10, 1, 100.0, 10);
    assert!(knox_test(&events, &[0.0, 100.0, 100.0], &[0, 7], Metric::Euclidean, 0, 1).is_err());
    assert!(knox_test(&events, &[50.0, 100.0], &[0, 7], Metric::Euclidean, 0, 1).is_err());
    assert!(knox_test(&events, &[0.0, 100.0], &[], Metric::Euclidean, 0, 1).is_err());
    assert!(knox_test(&events[..1], &[0.0, 100.0], &[0, 7], Metric::Euclidean, 0, 1).is_err());
}
