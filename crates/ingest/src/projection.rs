//! WGS84 longitude/latitude to British National Grid (EPSG:27700).
//!
//! Method: Ordnance Survey's OSTN15 transformation (OS, "A guide to coordinate systems
//! in Great Britain", 2020, §6 and Annexe C): project ETRS89 (≈ WGS84 at the metre
//! level for police.uk's 6-decimal points) to a transverse Mercator grid on GRS80,
//! then add the OSTN15 grid shifts interpolated bilinearly from the 1 km grid. The
//! arithmetic is the `lonlat_bng` crate's `convert_osgb36` (which embeds the full OSTN15
//! shift grid), with the grid read from a flat table (`crate::ostn15`, equal to it bit
//! for bit); the tests check it against OS's 40 published test points.
//!
//! OSTN15 defines shifts over its whole 700 × 1250 km rectangle, which includes
//! Ireland and northern France. A point counts as outside Great Britain when it falls
//! outside that rectangle, or when the south-west node of its 1 km cell carries
//! OSTN15's Height_Datum_Flag 16 (outside the OSGM15 model). The flags are kept as runs
//! in `data/ostn15_outside_gb.txt`, derived from OS's data file by the script beside it.
//! O(1) per point, plus a scan of at most a few runs.

use std::cell::RefCell;
use std::sync::LazyLock;

const OUTSIDE_RUNS: &str = include_str!("../data/ostn15_outside_gb.txt");

/// Per 1 km northing row, the easting ranges `[start, end)` (km) outside the model.
static OUTSIDE: LazyLock<Vec<Vec<(u16, u16)>>> = LazyLock::new(|| {
    let mut rows: Vec<Vec<(u16, u16)>> = vec![Vec::new(); 1251];
    for line in OUTSIDE_RUNS.lines().filter(|l| !l.starts_with('#')) {
        let v: Vec<u16> = line.split_whitespace().filter_map(|t| t.parse().ok()).collect();
        if let [n, start, end] = v[..]
            && let Some(row) = rows.get_mut(usize::from(n))
        {
            row.push((start, end));
        }
    }
    rows
});

/// A WGS84 point's BNG position, or why it has none.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Projected {
    /// Easting and northing in metres, to the millimetre.
    Bng {
        /// Easting (m).
        easting: f64,
        /// Northing (m).
        northing: f64,
    },
    /// A valid WGS84 point outside Great Britain (and its OSTN15 model).
    OutsideGreatBritain,
}

/// Project a WGS84 point (degrees) to BNG with OSTN15.
///
/// ```
/// use crimescope_ingest::projection::{to_bng, Projected};
/// // Bishopsgate in the City of London (the OS test points are checked in the tests):
/// match to_bng(-0.0813, 51.5155) {
///     Projected::Bng { easting, northing } => {
///         assert!((easting - 533_000.0).abs() < 1_000.0 && (northing - 181_500.0).abs() < 1_000.0)
///     }
///     Projected::OutsideGreatBritain => unreachable!(),
/// }
/// assert_eq!(to_bng(-87.65, 41.85), Projected::OutsideGreatBritain); // Chicago
/// assert_eq!(to_bng(-6.26, 53.35), Projected::OutsideGreatBritain); // Dublin
/// ```
pub fn to_bng(longitude: f64, latitude: f64) -> Projected {
    match crate::ostn15::to_osgb36(longitude, latitude) {
        Some((easting, northing)) if easting.is_finite() && northing.is_finite() && in_model(easting, northing) => {
            Projected::Bng { easting, northing }
        }
        _ => Projected::OutsideGreatBritain,
    }
}

/// Slots in each thread's tables of recent points (about 2.5 MiB each, so they stay in
/// cache).
const MEMO_SLOTS: usize = 1 << 16;

/// A point (the exact bits of both coordinates) and what was computed from it.
type MemoSlot<V> = Option<((u64, u64), V)>;

/// A direct-mapped table of recent points and what was computed from each.
struct PointMemo<V> {
    slots: Box<[MemoSlot<V>]>,
}

impl<V: Copy> PointMemo<V> {
    fn new() -> Self {
        PointMemo {
            slots: vec![None; MEMO_SLOTS].into_boxed_slice(),
        }
    }

    /// `compute`'s answer for the point `(x, y)`: remembered if this slot holds the same
    /// point, else computed and remembered in place of the slot's point.
    fn get_or(&mut self, x: f64, y: f64, compute: impl FnOnce() -> V) -> V {
        let key = (x.to_bits(), y.to_bits());
        let mixed = (key.0 ^ key.1.rotate_left(32)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let slot = &mut self.slots[(mixed >> (64 - MEMO_SLOTS.trailing_zeros())) as usize];
        match *slot {
            Some((known, value)) if known == key => value,
            _ => {
                let value = compute();
                *slot = Some((key, value));
                value
            }
        }
    }
}

thread_local! {
    static MEMO: RefCell<PointMemo<Projected>> = RefCell::new(PointMemo::new());
    static INVERSE_MEMO: RefCell<PointMemo<Option<(f64, f64)>>> = RefCell::new(PointMemo::new());
}

/// [`to_bng`], remembering each thread's recent points. police.uk publishes every crime
/// at one of a fixed set of anonymised map points, so points recur within a file
/// (27,864 rows of a synthetic West Midlands month fall on 7,826 points); a repeated
/// point costs one lookup in a small direct-mapped table instead of the transverse
/// Mercator projection and the OSTN15 interpolation. The answer is [`to_bng`]'s, bit
/// for bit: a slot holds the exact bits of both coordinates, and a point that finds
/// another in its slot is projected and takes the slot.
pub fn to_bng_memoized(longitude: f64, latitude: f64) -> Projected {
    MEMO.with_borrow_mut(|memo| memo.get_or(longitude, latitude, || to_bng(longitude, latitude)))
}

fn in_model(easting: f64, northing: f64) -> bool {
    let (e, n) = ((easting / 1000.0).floor(), (northing / 1000.0).floor());
    if !(0.0..701.0).contains(&e) || !(0.0..1251.0).contains(&n) {
        return false;
    }
    let e = e as u16;
    !OUTSIDE[n as usize]
        .iter()
        .any(|&(start, end)| (start..end).contains(&e))
}

/// British National Grid (easting, northing) to WGS84 (longitude, latitude) with
/// the OSTN15 inverse (`lonlat_bng::convert_osgb36_to_ll`, iterative, the inverse of
/// [`to_bng`]); `None` outside the OSTN15 grid, and for a coordinate that is not a
/// finite number or is 10,000 km or more from the grid's origin (on which the crate's
/// grid arithmetic would overflow).
///
/// ```
/// use crimescope_ingest::projection::{bng_to_lonlat, to_bng, Projected};
/// let Projected::Bng { easting, northing } = to_bng(-0.0917, 51.5154) else { panic!() };
/// let (lon, lat) = bng_to_lonlat(easting, northing).unwrap();
/// assert!((lon + 0.0917).abs() < 1e-7 && (lat - 51.5154).abs() < 1e-7);
/// ```
pub fn bng_to_lonlat(easting: f64, northing: f64) -> Option<(f64, f64)> {
    // Nowhere near the grid (700 by 1,250 km); below this, the crate's cell indices
    // (metres / 1000 as i32, times 1000) cannot overflow.
    const FAR: f64 = 1.0e7;
    if !(easting.abs() < FAR && northing.abs() < FAR) {
        return None;
    }
    lonlat_bng::convert_osgb36_to_ll(easting, northing)
        .ok()
        .filter(|(lon, lat)| lon.is_finite() && lat.is_finite())
}

/// [`bng_to_lonlat`], remembering each thread's recent points, as [`to_bng_memoized`]
/// does: partners' extracts place their rows at addresses, which recur (611,657 rows of
/// a synthetic West Midlands force-crime extract fall on 34,263 points). The answer is
/// [`bng_to_lonlat`]'s, bit for bit.
pub fn bng_to_lonlat_memoized(easting: f64, northing: f64) -> Option<(f64, f64)> {
    INVERSE_MEMO.with_borrow_mut(|memo| memo.get_or(easting, northing, || bng_to_lonlat(easting, northing)))
}

/// A ring of WGS84 (lon, lat) vertices in BNG metres, leaving out any vertex outside
/// Great Britain.
pub fn ring_to_bng(ring: &[(f64, f64)]) -> Vec<(f64, f64)> {
    ring.iter()
        .filter_map(|&(lon, lat)| match to_bng(lon, lat) {
            Projected::Bng { easting, northing } => Some((easting, northing)),
            Projected::OutsideGreatBritain => None,
        })
        .collect()
}
