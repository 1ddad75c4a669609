//! Gi* against PySAL's published values and an independent calculation; permutation
//! determinism.

use crimescope_spatial::{Grid, gi_permutation_p, gi_star_grid, gi_star_points};

/// PySAL esda `G_Local` doctest: `G_Local(y, DistanceBand(points, 15), transform='B',
/// star=True).Zs` for these six points and values.
#[test]
fn gi_star_equals_pysal_published_doctest() {
    let pts = [
        (10.0, 10.0),
        (20.0, 10.0),
        (40.0, 10.0),
        (15.0, 20.0),
        (30.0, 20.0),
        (30.0, 30.0),
    ];
    let y = [2.0, 3.0, 3.2, 5.0, 8.0, 7.0];
    let pysal = [-1.3973, -0.2892, 0.6506, -0.2892, 1.2345, 2.0242];
    let gi = gi_star_points(&pts, &y, 15.0).unwrap();
    for (i, (z, want)) in gi.z.iter().zip(pysal).enumerate() {
        assert!((z - want).abs() < 5e-5, "point {i}: {z} vs PySAL {want}");
    }
}

/// The grid convolution against the textbook formula computed naively here: every
/// pair of cell centres, binary weights within the band, self included.
#[test]
fn grid_gi_star_matches_a_naive_calculation() {
    let mut grid = Grid::covering(100.0, 0.0, 1199.0, 0.0, 899.0).unwrap();
    // Mask out one corner so edges and holes are exercised.
    let mask: Vec<bool> = (0..grid.len())
        .map(|k| !(k % grid.width < 3 && k / grid.width < 2))
        .collect();
    grid.mask = Some(mask);
    let counts: Vec<f64> = (0..grid.len())
        .map(|k| ((k * 7919) % 13) as f64 + if k == 40 { 30.0 } else { 0.0 })
        .collect();
    let band = 250.0;
    let gi = gi_star_grid(&grid, &counts, band).unwrap();

    let inside: Vec<usize> = (0..grid.len()).filter(|&k| grid.inside(k)).collect();
    let n = inside.len() as f64;
    let mean = inside.iter().map(|&k| counts[k]).sum::<f64>() / n;
    let s = (inside.iter().map(|&k| counts[k] * counts[k]).sum::<f64>() / n - mean * mean).sqrt();
    for k in 0..grid.len() {
        if !grid.inside(k) {
            assert!(gi.z[k].is_nan());
            continue;
        }
        let (x, y) = grid.centre(k);
        let (mut l, mut w) = (0.0, 0.0);
        for &q in &inside {
            let (a, b) = grid.centre(q);
            if ((a - x).powi(2) + (b - y).powi(2)).sqrt() <= band {
                l += counts[q];
                w += 1.0;
            }
        }
        let z = (l - mean * w) / (s * ((n * w - w * w) / (n - 1.0)).sqrt());
        assert!((gi.z[k] - z).abs() < 1e-9, "cell {k}: {} vs {z}", gi.z[k]);
    }
    // The same statistic on the cell centres as points.
    let centres: Vec<(f64, f64)> = inside.iter().map(|&k| grid.centre(k)).collect();
    let values: Vec<f64> = inside.iter().map(|&k| counts[k]).collect();
    let as_points = gi_star_points(&centres, &values, band).unwrap();
    for (pos, &k) in inside.iter().enumerate() {
        assert!((as_points.z[pos] - gi.z[k]).abs() < 1e-9);
    }
}

#[test]
fn permutation_p_is_seeded_and_thread_independent() {
    let grid = Grid::covering(100.0, 0.0, 999.0, 0.0, 999.0).unwrap();
    let mut counts: Vec<f64> = (0..grid.len()).map(|k| ((k * 7919) % 5) as f64).collect();
    // A 3 × 3 block of 20s centred on cell 55: its neighbours, not only itself, are high.
    for k in [44, 45, 46, 54, 55, 56, 64, 65, 66] {
        counts[k] = 20.0;
    }
    let gi = gi_star_grid(&grid, &counts, 150.0).unwrap();
    let run = |threads: usize, seed: u64| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| gi_permutation_p(&grid, &counts, &gi, 199, seed))
    };
    let one = run(1, 7);
    assert_eq!(one, run(2, 7), "same seed, different thread counts");
    assert_ne!(one, run(1, 8), "another seed draws differently");
    assert!(
        one[55] <= 0.01,
        "the centre of the planted block is extreme: {}",
        one[55]
    );
    let ordinary = (0..grid.len()).filter(|&k| one[k] > 0.05).count();
    assert!(
        ordinary > 50,
        "most background cells are unremarkable: {ordinary} of 100"
    );
    assert!(one.iter().all(|p| (1.0 / 200.0..=0.5 + 1e-12).contains(p)));
}
