//! WGS84 -> BNG against Ordnance Survey's 40 published OSTN15 test points
//! (fixtures/os-ostn15/test_points.csv, copied verbatim from the OSTN15 developer pack).

use crimescope_ingest::projection::{Projected, bng_to_lonlat, bng_to_lonlat_memoized, to_bng, to_bng_memoized};

const POINTS: &str = include_str!("../../../fixtures/os-ostn15/test_points.csv");

/// OS publishes the outputs rounded to the millimetre; allow that rounding on both sides.
const TOLERANCE_M: f64 = 0.0015;

#[test]
fn all_forty_os_test_points_within_a_millimetre_and_a_half() {
    let mut checked = 0;
    let mut worst = 0.0f64;
    for line in POINTS.lines().filter(|l| !l.starts_with('#')).skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let (lat, lon): (f64, f64) = (f[1].parse().unwrap(), f[2].parse().unwrap());
        let (e, n): (f64, f64) = (f[3].parse().unwrap(), f[4].parse().unwrap());
        match to_bng(lon, lat) {
            Projected::Bng { easting, northing } => {
                let err = (easting - e).abs().max((northing - n).abs());
                worst = worst.max(err);
                assert!(
                    err <= TOLERANCE_M,
                    "{}: got ({easting}, {northing}), OS says ({e}, {n}), error {err} m",
                    f[0]
                );
            }
            Projected::OutsideGreatBritain => panic!("{} was not projected", f[0]),
        }
        checked += 1;
    }
    assert_eq!(checked, 40);
    eprintln!("worst error over 40 OS test points: {worst:.4} m");
}

#[test]
fn points_outside_great_britain_have_no_grid_position() {
    // Chicago, Paris, Dublin, Calais, Cherbourg, Belfast, (0,0)
    for (lon, lat) in [
        (-87.65, 41.85),
        (2.35, 48.86),
        (-6.26, 53.35),
        (1.85, 50.95),
        (-1.62, 49.64),
        (-5.93, 54.60),
        (0.0, 0.0),
    ] {
        assert_eq!(to_bng(lon, lat), Projected::OutsideGreatBritain, "({lon}, {lat})");
    }
}

#[test]
fn the_memoized_projection_gives_the_same_bits_first_time_and_after() {
    let mut points: Vec<(f64, f64)> = POINTS
        .lines()
        .filter(|l| !l.starts_with('#'))
        .skip(1)
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            (f[2].parse().unwrap(), f[1].parse().unwrap())
        })
        .collect();
    points.extend([(-87.65, 41.85), (-6.26, 53.35), (0.0, 0.0)]);
    // NaN, infinities, and the NaN whose bits mark an empty slot.
    let empty = f64::from_bits(u64::MAX);
    points.extend([(f64::NAN, 51.5), (-0.1, f64::INFINITY), (empty, empty), (empty, 51.5)]);
    // Random points over Great Britain and a margin, at police.uk's six decimals and
    // at full precision, each coming back several times among the others.
    let mut random = Xorshift(0x0005_EED0_FB16);
    for i in 0..20_000 {
        let (lon, lat) = (-9.0 + 11.0 * random.unit(), 49.0 + 12.0 * random.unit());
        points.push(if i % 2 == 0 {
            ((lon * 1e6).round() / 1e6, (lat * 1e6).round() / 1e6)
        } else {
            (lon, lat)
        });
    }
    let len = points.len();
    for _ in 0..20_000 {
        let again = points[random.below(len)];
        points.push(again);
    }
    // A point one bit away from a remembered one is a different point.
    points.push((f64::from_bits(points[0].0.to_bits() + 1), points[0].1));
    let bits = |p: Projected| match p {
        Projected::Bng { easting, northing } => Some((easting.to_bits(), northing.to_bits())),
        Projected::OutsideGreatBritain => None,
    };
    for round in 0..3 {
        for &(lon, lat) in &points {
            assert_eq!(
                bits(to_bng_memoized(lon, lat)),
                bits(to_bng(lon, lat)),
                "({lon}, {lat}), round {round}"
            );
        }
    }
}

#[test]
fn the_memoized_inverse_gives_the_same_bits_first_time_and_after() {
    // Whole metres (partners' extracts), fractions, off the grid, and not numbers.
    let mut points: Vec<(f64, f64)> = vec![
        (533_000.0, 181_500.0),
        (391_938.0, 279_903.0),
        (-1.0, 100.0),
        (800_000.0, 1_300_000.0),
        (f64::NAN, 181_500.0),
        (533_000.0, f64::INFINITY),
        (f64::NEG_INFINITY, -1.0e300),
        (3.0e9, 181_500.0),
    ];
    // Not numbers, or far off the grid: no position, and no panic.
    for &(e, n) in &points[4..] {
        assert_eq!(bng_to_lonlat(e, n), None, "({e}, {n})");
    }
    let mut random = Xorshift(0x0B16_0005_EED1);
    for i in 0..5_000 {
        let (e, n) = (
            -20_000.0 + 740_000.0 * random.unit(),
            -20_000.0 + 1_290_000.0 * random.unit(),
        );
        points.push(if i % 2 == 0 { (e.round(), n.round()) } else { (e, n) });
    }
    let len = points.len();
    for _ in 0..5_000 {
        let again = points[random.below(len)];
        points.push(again);
    }
    points.push((f64::from_bits(points[0].0.to_bits() + 1), points[0].1));
    let bits = |p: Option<(f64, f64)>| p.map(|(lon, lat)| (lon.to_bits(), lat.to_bits()));
    assert!(points.iter().filter(|&&(e, n)| bng_to_lonlat(e, n).is_some()).count() > 5_000);
    for round in 0..3 {
        for &(e, n) in &points {
            assert_eq!(
                bits(bng_to_lonlat_memoized(e, n)),
                bits(bng_to_lonlat(e, n)),
                "({e}, {n}), round {round}"
            );
        }
    }
}

/// A xorshift64 stream (Marsaglia 2003): the tests' points, the same every run.
struct Xorshift(u64);

impl Xorshift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A value in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// An index below `len`.
    fn below(&mut self, len: usize) -> usize {
        self.next() as usize % len
    }
}
