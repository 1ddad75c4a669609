//! Transverse Mercator grids other than the British National Grid: UTM zones on WGS84
//! (EPSG:326NN north, EPSG:327NN south), for data outside Great Britain.
//!
//! Method: Krüger's series to order n⁴ (Karney 2011, "Transverse Mercator with an
//! accuracy of a few nanometers", J. Geodesy 85:475–485, eqs. 35–36), accurate to well
//! under a millimetre within a UTM zone. O(1) per point.

/// A transverse Mercator grid.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TransverseMercator {
    /// Semi-major axis (m).
    pub a: f64,
    /// Flattening.
    pub f: f64,
    /// Scale on the central meridian.
    pub k0: f64,
    /// Latitude of origin (degrees).
    pub lat0: f64,
    /// Central meridian (degrees).
    pub lon0: f64,
    /// False easting (m).
    pub false_easting: f64,
    /// False northing (m).
    pub false_northing: f64,
}

impl TransverseMercator {
    /// The UTM grid of an EPSG code: 326NN (north) or 327NN (south), zone NN in 1..=60.
    pub fn utm_from_epsg(code: u32) -> Option<TransverseMercator> {
        let (zone, south) = match code {
            32601..=32660 => (code - 32600, false),
            32701..=32760 => (code - 32700, true),
            _ => return None,
        };
        Some(TransverseMercator {
            a: 6_378_137.0,
            f: 1.0 / 298.257_223_563,
            k0: 0.9996,
            lat0: 0.0,
            lon0: -183.0 + 6.0 * f64::from(zone),
            false_easting: 500_000.0,
            false_northing: if south { 10_000_000.0 } else { 0.0 },
        })
    }

    /// Project WGS84 (lon, lat) in degrees to (easting, northing) in metres.
    pub fn forward(&self, lon: f64, lat: f64) -> (f64, f64) {
        let n = self.f / (2.0 - self.f);
        let (n2, n3, n4) = (n * n, n * n * n, n * n * n * n);
        let big_a = self.a / (1.0 + n) * (1.0 + n2 / 4.0 + n4 / 64.0);
        let alpha = [
            n / 2.0 - 2.0 * n2 / 3.0 + 5.0 * n3 / 16.0 + 41.0 * n4 / 180.0,
            13.0 * n2 / 48.0 - 3.0 * n3 / 5.0 + 557.0 * n4 / 1440.0,
            61.0 * n3 / 240.0 - 103.0 * n4 / 140.0,
            49561.0 * n4 / 161_280.0,
        ];
        let e = (self.f * (2.0 - self.f)).sqrt();
        let xi_eta = |lat: f64, dlon: f64| {
            let phi = lat.to_radians();
            let t = (phi.sin().atanh() - e * (e * phi.sin()).atanh()).sinh();
            let xi_p = t.atan2(dlon.cos());
            let eta_p = (dlon.sin() / (1.0 + t * t).sqrt()).atanh();
            let mut xi = xi_p;
            let mut eta = eta_p;
            for (j, a) in alpha.iter().enumerate() {
                let k = 2.0 * (j as f64 + 1.0);
                xi += a * (k * xi_p).sin() * (k * eta_p).cosh();
                eta += a * (k * xi_p).cos() * (k * eta_p).sinh();
            }
            (xi, eta)
        };
        let (xi, eta) = xi_eta(lat, (lon - self.lon0).to_radians());
        let (xi0, _) = xi_eta(self.lat0, 0.0);
        (
            self.false_easting + self.k0 * big_a * eta,
            self.false_northing + self.k0 * big_a * (xi - xi0),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ETRS89 on the National Grid's projection (GRS80 ≈ WGS84), before OSTN15 shifts.
    fn national_grid() -> TransverseMercator {
        TransverseMercator {
            a: 6_378_137.0,
            f: 1.0 / 298.257_222_101,
            k0: 0.999_601_271_7,
            lat0: 49.0,
            lon0: -2.0,
            false_easting: 400_000.0,
            false_northing: -100_000.0,
        }
    }

    #[test]
    fn agrees_with_the_os_etrs89_grid_projection_to_the_millimetre() {
        // lonlat_bng's convert_etrs89 implements OS's own projection formulae
        // (A guide to coordinate systems in Great Britain, Annexe C); two independent
        // implementations must agree.
        let tm = national_grid();
        for (lon, lat) in [
            (-6.2998, 49.9223),
            (1.7161, 52.6580),
            (-3.2, 58.7),
            (-0.1, 51.5),
            (-5.2, 55.9),
        ] {
            let (e, n) = tm.forward(lon, lat);
            let (oe, on) = lonlat_bng::convert_etrs89(lon, lat).unwrap();
            assert!(
                (e - oe).abs() < 0.002 && (n - on).abs() < 0.002,
                "({lon},{lat}): ({e},{n}) vs ({oe},{on})"
            );
        }
    }

    #[test]
    fn utm_origin_meridian_arc_and_symmetry() {
        let utm = TransverseMercator::utm_from_epsg(32616).unwrap(); // zone 16N, lon0 -87
        let (e, n) = utm.forward(-87.0, 0.0);
        assert!((e - 500_000.0).abs() < 1e-6 && n.abs() < 1e-6);
        // The WGS84 meridian arc from the equator to 45°N is 4,984,944.378 m.
        let (_, n45) = utm.forward(-87.0, 45.0);
        assert!((n45 - 0.9996 * 4_984_944.378).abs() < 0.01, "{n45}");
        let (e1, n1) = utm.forward(-86.0, 41.8);
        let (e2, n2) = utm.forward(-88.0, 41.8);
        assert!(((e1 - 500_000.0) + (e2 - 500_000.0)).abs() < 1e-6 && (n1 - n2).abs() < 1e-6);
        assert!(TransverseMercator::utm_from_epsg(27700).is_none());
        let south = TransverseMercator::utm_from_epsg(32756).unwrap();
        assert!((south.forward(153.0, 0.0).1 - 10_000_000.0).abs() < 1e-6);
    }
}
