//! The OSTN15 forward transformation, ETRS89 longitude/latitude to OSGB36 National Grid,
//! computed as `lonlat_bng::convert_osgb36` computes it, bit for bit, with the shift
//! grid read from a flat table instead of a perfect-hash map.
//!
//! Method (Ordnance Survey, "A guide to coordinate systems in Great Britain", 2020,
//! Annexe C, equations C1–C3; "Transformations and OSGM15 user guide", 2016, §§2–3):
//! project the point with the truncated Redfearn transverse Mercator series on the
//! GRS80 ellipsoid, then add the eastings and northings shifts interpolated
//! bilinearly from the four OSTN15 nodes of its 1 km cell.
//!
//! Why a copy: `lonlat_bng` (Stephan Hügel, BlueOak-1.0.0) reads each of the four
//! nodes from `ostn15_phf`'s perfect-hash map, which hashes the node's key with SipHash
//! every time. That was 3.6% of a national ingest's CPU, more than the projection
//! itself. Here the nodes sit in a flat table indexed by the same key, built from
//! `ostn15_phf` block by block as points first reach a block, so an ingest of one force
//! reads only its area's nodes. The arithmetic is `lonlat_bng` 0.9's, operation for
//! operation (`convert_etrs89_internal` without the `karney_tm` feature,
//! `ostn15_shifts`, `round_to_mm`), and a test compares the two on a million points.

use std::sync::OnceLock;

const GRS80_SEMI_MAJOR: f64 = 6378137.000;
const GRS80_SEMI_MINOR: f64 = 6356752.3141;
const MIN_LONGITUDE: f64 = -8.5790;
const MAX_LONGITUDE: f64 = 1.7800;
const MIN_LATITUDE: f64 = 49.922;
const MAX_LATITUDE: f64 = 60.8400;
const RAD: f64 = std::f64::consts::PI / 180.;
/// Longitude and latitude of the true origin.
const LAM0: f64 = RAD * -2.0;
const PHI0: f64 = RAD * 49.0;
/// Easting and northing of the true origin (m).
const E0: f64 = 400000.;
const N0: f64 = -100000.;
/// Scale factor on the central meridian.
const F0: f64 = 0.9996012717;

/// OSTN15 nodes: 701 eastings by 1251 northings, 1 km apart. A node's key is
/// `e + 701 n + 1` (`ostn15_phf`'s), its place in the table `key - 1`.
const NODES: usize = 701 * 1251;
/// Nodes per lazily built block (64 KiB of shifts).
const BLOCK: usize = 4096;
/// An eastings and northings shift (m); NaN where OSTN15 has no node.
type Shift = [f64; 2];

static BLOCKS: [OnceLock<Box<[Shift]>>; NODES.div_ceil(BLOCK)] = [const { OnceLock::new() }; NODES.div_ceil(BLOCK)];

/// The shift at a node key, or `None` where `ostn15_phf` has none.
fn node(key: i32) -> Option<Shift> {
    let index = usize::try_from(key.checked_sub(1)?).ok().filter(|&i| i < NODES)?;
    let block = BLOCKS[index / BLOCK].get_or_init(|| {
        let first = index / BLOCK * BLOCK;
        (first..(first + BLOCK).min(NODES))
            .map(|i| match ostn15_phf::ostn15_lookup(&(i as i32 + 1)) {
                Some(shift) => [shift.0, shift.1],
                None => [f64::NAN; 2],
            })
            .collect()
    });
    let shift = block[index % BLOCK];
    (!shift[0].is_nan()).then_some(shift)
}

/// `lonlat_bng`'s `get_ostn_ref` key for node `(e, n)`.
fn key(e: i32, n: i32) -> Option<i32> {
    n.checked_mul(701)?.checked_add(e)?.checked_add(1)
}

/// The OSTN15 eastings and northings shifts at ETRS89 grid position `(x, y)`: the
/// bilinear interpolation of its cell's four nodes (`lonlat_bng::utils::ostn15_shifts`
/// without the height). `None` when a node is missing.
fn shifts(x: f64, y: f64) -> Option<(f64, f64)> {
    let e_index = (x / 1000.) as i32;
    let n_index = (y / 1000.) as i32;
    let x0 = e_index.checked_mul(1000)?;
    let y0 = n_index.checked_mul(1000)?;
    let s0 = node(key(e_index, n_index)?)?;
    let s1 = node(key(e_index.checked_add(1)?, n_index)?)?;
    let s2 = node(key(e_index, n_index.checked_add(1)?)?)?;
    let s3 = node(key(e_index.checked_add(1)?, n_index.checked_add(1)?)?)?;
    let dx = x - f64::from(x0);
    let dy = y - f64::from(y0);
    let t = dx / 1000.;
    let u = dy / 1000.;
    let f0 = (1. - t) * (1. - u);
    let f1 = t * (1. - u);
    let f2 = (1. - t) * u;
    let f3 = t * u;
    let se = f0 * s0[0] + f1 * s1[0] + f2 * s2[0] + f3 * s3[0];
    let sn = f0 * s0[1] + f1 * s1[1] + f2 * s2[1] + f3 * s3[1];
    Some((se, sn))
}

/// The meridional arc (OS guide, equation C3).
fn meridional_arc(phi: f64, b: f64, n: f64) -> f64 {
    let p_plus = phi + PHI0;
    let p_minus = phi - PHI0;
    let n2 = n * n;
    let n3 = n2 * n;
    b * F0
        * ((1. + n * (1. + 5. / 4. * n * (1. + n))) * p_minus
            - 3. * n * (1. + n * (1. + 7. / 8. * n)) * p_minus.sin() * p_plus.cos()
            + (15. / 8. * n * (n * (1. + n))) * (2. * p_minus).sin() * (2. * p_plus).cos()
            - 35. / 24. * n3 * (3. * p_minus).sin() * (3. * p_plus).cos())
}

/// ETRS89 longitude/latitude (degrees) to the ETRS89 transverse Mercator grid, not
/// rounded (OS guide, equations C1–C2); `None` outside `lonlat_bng`'s bounding box.
#[allow(non_snake_case)]
fn etrs89_grid(longitude: f64, latitude: f64) -> Option<(f64, f64)> {
    let inside = |v: f64, (low, high): (f64, f64)| low <= v && v <= high;
    if !inside(longitude, (MIN_LONGITUDE, MAX_LONGITUDE)) || !inside(latitude, (MIN_LATITUDE, MAX_LATITUDE)) {
        return None;
    }
    let lambda = longitude.to_radians();
    let phi = latitude.to_radians();
    let e2 = (GRS80_SEMI_MAJOR.powi(2) - GRS80_SEMI_MINOR.powi(2)) / GRS80_SEMI_MAJOR.powi(2);
    let n = (GRS80_SEMI_MAJOR - GRS80_SEMI_MINOR) / (GRS80_SEMI_MAJOR + GRS80_SEMI_MINOR);
    let sp2 = phi.sin().powi(2);
    let nu = GRS80_SEMI_MAJOR * F0 * (1. - e2 * sp2).powf(-0.5);
    let rho = GRS80_SEMI_MAJOR * F0 * (1. - e2) * (1. - e2 * sp2).powf(-1.5);
    let eta2 = nu / rho - 1.;
    let m = meridional_arc(phi, GRS80_SEMI_MINOR, n);
    let cp = phi.cos();
    let sp = phi.sin();
    let tp = phi.tan();
    let tp2 = tp.powi(2);
    let tp4 = tp.powi(4);
    let I = m + N0;
    let II = (sp * 0.5) * (nu * cp);
    let III = (sp / 24.) * nu * cp.powi(3) * eta2.mul_add(9.0, 5.0 - tp2);
    let IIIA = (sp / 720.) * nu * cp.powi(5) * tp2.mul_add(-58.0, 61.0 + tp4);
    let IV = nu * cp;
    let V = nu / 6. * cp.powi(3) * (nu / rho - tp2);
    let VI = nu / 120. * cp.powi(5) * (tp2 * eta2).mul_add(-58.0, eta2.mul_add(14.0, tp2.mul_add(-18.0, 5.0 + tp4)));
    let l = lambda - LAM0;
    let north = I + II * l.powi(2) + III * l.powi(4) + IIIA * l.powi(6);
    let east = l.mul_add(IV, E0) + V * l.powi(3) + VI * l.powi(5);
    Some((east, north))
}

fn round_to_mm(v: f64) -> f64 {
    (v * 1000.).round() / 1000.
}

/// WGS84/ETRS89 longitude and latitude (degrees) to OSGB36 easting and northing (m, to
/// the millimetre): `lonlat_bng::convert_osgb36`'s answer, or `None` where it returns an
/// error (outside its bounding box or the OSTN15 grid).
pub(crate) fn to_osgb36(longitude: f64, latitude: f64) -> Option<(f64, f64)> {
    let (eastings, northings) = etrs89_grid(longitude, latitude)?;
    let (e_shift, n_shift) = shifts(eastings, northings)?;
    Some((round_to_mm(eastings + e_shift), round_to_mm(northings + n_shift)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::xorshift64;

    fn same(longitude: f64, latitude: f64) -> Result<(), String> {
        let ours = to_osgb36(longitude, latitude);
        let theirs = lonlat_bng::convert_osgb36(longitude, latitude).ok();
        let bits = |p: Option<(f64, f64)>| p.map(|(e, n)| (e.to_bits(), n.to_bits()));
        if bits(ours) == bits(theirs) {
            Ok(())
        } else {
            Err(format!(
                "({longitude}, {latitude}): ours {ours:?}, lonlat_bng {theirs:?}"
            ))
        }
    }

    /// A million points over lonlat_bng's bounding box and a margin around it, at
    /// police.uk's six decimals and at full precision: every answer, including every
    /// refusal, is lonlat_bng's to the bit.
    #[test]
    fn equals_lonlat_bng_bit_for_bit() {
        let mut next = xorshift64(0x0DDB_1A5E_5BAD_5EED);
        let mut unit = || (next() >> 11) as f64 / (1u64 << 53) as f64;
        let mut failures = Vec::new();
        let mut projected = 0;
        for i in 0..1_000_000 {
            let lon: f64 = -9.0 + 11.2 * unit();
            let lat: f64 = 49.5 + 11.8 * unit();
            let (lon, lat) = if i % 2 == 0 {
                ((lon * 1e6).round() / 1e6, (lat * 1e6).round() / 1e6)
            } else {
                (lon, lat)
            };
            projected += usize::from(to_osgb36(lon, lat).is_some());
            if let Err(e) = same(lon, lat) {
                failures.push(e);
            }
        }
        assert!(
            failures.is_empty(),
            "{} differ, first: {:?}",
            failures.len(),
            &failures[..3.min(failures.len())]
        );
        // Most of the box is projected; the rest (the sea beyond the grid, the box's
        // corners) is refused by both.
        assert!(projected > 500_000, "only {projected} projected");
    }

    #[test]
    fn edges_and_odd_values_match() {
        let points = [
            (MIN_LONGITUDE, MIN_LATITUDE),
            (MAX_LONGITUDE, MAX_LATITUDE),
            (MIN_LONGITUDE - 1e-12, 52.0),
            (MAX_LONGITUDE + 1e-12, 52.0),
            (-2.0, MIN_LATITUDE - 1e-12),
            (-2.0, MAX_LATITUDE),
            (f64::NAN, 52.0),
            (-2.0, f64::INFINITY),
            (-0.0813, 51.5155),
            (1.7800, 52.5),
            (-8.5790, 57.0),
        ];
        for (lon, lat) in points {
            same(lon, lat).unwrap();
        }
    }

    #[test]
    fn nodes_outside_the_grid_are_none() {
        assert_eq!(node(0), None);
        assert_eq!(node(NODES as i32 + 1), None);
        assert!(node(1).is_some_and(|s| s.iter().all(|v| v.is_finite())));
        assert_eq!(key(i32::MAX, 1), None);
    }
}
