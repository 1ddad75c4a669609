//! Where a row is: its British National Grid position, its WGS84 point, and the place
//! key that links sources.

use crate::projection::{Projected, to_bng_memoized};
use crate::store::FileCounts;

/// The BNG position of a loaded row's WGS84 point, counting rows with no location and
/// rows outside Great Britain.
pub fn locate(point: Option<(f64, f64)>, counts: &mut FileCounts) -> (Option<f64>, Option<f64>) {
    match point {
        None => {
            counts.no_location += 1;
            (None, None)
        }
        Some((lon, lat)) => match to_bng_memoized(lon, lat) {
            Projected::Bng { easting, northing } => (Some(easting), Some(northing)),
            Projected::OutsideGreatBritain => {
                counts.outside_gb += 1;
                (None, None)
            }
        },
    }
}

/// A loaded row's British National Grid point and its WGS84 position.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BngPlace {
    /// Easting and northing (m), when the row has a point OSTN15 can place.
    pub point: Option<(f64, f64)>,
    /// Longitude, 6 decimals.
    pub longitude: Option<f64>,
    /// Latitude, 6 decimals.
    pub latitude: Option<f64>,
}

/// Place a row given in BNG metres: its WGS84 position by the OSTN15 inverse, counting
/// rows with no point (`no_location`) and points the inverse cannot place
/// (`outside_gb`: the strips along the west and north edges of OSTN15's grid, under
/// 100 m wide and at sea, which [`crate::fields::bng`]'s range check lets through).
/// Those load with no location, as a WGS84 point outside Great Britain does, rather
/// than with grid metres and no longitude or latitude.
pub fn place_bng(point: Option<(f64, f64)>, counts: &mut FileCounts) -> BngPlace {
    let nowhere = BngPlace {
        point: None,
        longitude: None,
        latitude: None,
    };
    let Some(p) = point else {
        counts.no_location += 1;
        return nowhere;
    };
    match to_wgs84(Some(p)) {
        (Some(longitude), Some(latitude)) => BngPlace {
            point: Some(p),
            longitude: Some(longitude),
            latitude: Some(latitude),
        },
        _ => {
            counts.outside_gb += 1;
            nowhere
        }
    }
}

/// WGS84 (lon, lat) of a BNG point, to 6 decimals (OSTN15 inverse,
/// [`crate::projection::bng_to_lonlat_memoized`]).
pub fn to_wgs84(point: Option<(f64, f64)>) -> (Option<f64>, Option<f64>) {
    match point.and_then(|(e, n)| crate::projection::bng_to_lonlat_memoized(e, n)) {
        Some((lon, lat)) => (Some((lon * 1e6).round() / 1e6), Some((lat * 1e6).round() / 1e6)),
        None => (None, None),
    }
}

/// The place key that links sources: `uprn:<UPRN>` when a UPRN is given, else
/// `bng:<E>,<N>` with the point rounded to the metre, else none.
pub fn location_key(uprn: &str, point: Option<(f64, f64)>) -> Option<String> {
    let u = uprn.trim().trim_end_matches(".0");
    if !u.is_empty() && u != "0" && u.bytes().all(|b| b.is_ascii_digit()) {
        return Some(format!("uprn:{u}"));
    }
    point.map(|(e, n)| format!("bng:{},{}", e.round(), n.round()))
}
