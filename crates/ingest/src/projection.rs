//! WGS84 longitude/latitude to British National Grid (EPSG:27700).
//!
//! Method: Ordnance Survey's OSTN15 transformation (OS, "A guide to coordinate systems
//! in Great Britain", 2020, §6 and Annexe C): project ETRS89 (≈ WGS84 at the metre
//! level for police.uk's 6-decimal points) to a transverse Mercator grid on GRS80,
//! then add the OSTN15 grid shifts interpolated bilinearly from the 1 km grid. The
//! implementation is the `lonlat_bng` crate's `convert_osgb36`, which embeds the full
//! OSTN15 shift grid; the tests check it against OS's 40 published test points.
//! Points outside the OSTN15 coverage have no BNG position. O(1) per point.

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
    /// A valid WGS84 point outside Great Britain's OSTN15 coverage.
    OutsideGreatBritain,
}

/// Project a WGS84 point (degrees) to BNG with OSTN15.
///
/// ```
/// use crimescope_ingest::projection::{to_bng, Projected};
/// // OS test point TP22 (Herstmonceux): ETRS89 50.86109... N, 0.33658... E
/// match to_bng(0.33658333, 50.86109444) {
///     Projected::Bng { easting, northing } => {
///         assert!((easting - 561_000.0).abs() < 10_000.0 && (northing - 110_000.0).abs() < 10_000.0)
///     }
///     Projected::OutsideGreatBritain => unreachable!(),
/// }
/// assert_eq!(to_bng(-87.65, 41.85), Projected::OutsideGreatBritain); // Chicago
/// ```
pub fn to_bng(longitude: f64, latitude: f64) -> Projected {
    match lonlat_bng::convert_osgb36(longitude, latitude) {
        Ok((easting, northing)) if easting.is_finite() && northing.is_finite() => Projected::Bng { easting, northing },
        _ => Projected::OutsideGreatBritain,
    }
}
