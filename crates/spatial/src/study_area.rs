//! The study area when no boundary is given: the extent of the located incidents after
//! removing locational outliers.

use crate::error::SpatialError;

/// A rectangle in BNG metres, with how many points fell outside it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Extent {
    /// West edge.
    pub min_e: f64,
    /// East edge.
    pub max_e: f64,
    /// South edge.
    pub min_n: f64,
    /// North edge.
    pub max_n: f64,
    /// Points outside the rectangle (the outliers).
    pub outside: usize,
}

impl Extent {
    /// Whether (e, n) lies inside.
    pub fn contains(&self, e: f64, n: f64) -> bool {
        self.min_e <= e && e <= self.max_e && self.min_n <= n && n <= self.max_n
    }

    /// Area in square metres.
    pub fn area_m2(&self) -> f64 {
        (self.max_e - self.min_e) * (self.max_n - self.min_n)
    }
}

/// The extent of `points` after removing locational outliers with Tukey's far-out
/// fences on each axis separately: a point is kept when its easting lies in
/// [Q1 − 3·IQR, Q3 + 3·IQR] of the eastings and likewise for its northing, and the
/// extent is the bounding box of the kept points.
///
/// Real police.uk files hold a few rows snapped hundreds of kilometres from the force
/// (the City of London files place crimes in Wales and Yorkshire); a naive bounding box
/// would turn a 3 km area into millions of empty cells. The far-out fence (3·IQR rather
/// than 1.5) keeps the whole of a compact area and its edges while dropping those.
/// Quartiles are taken by the nearest-rank method.
///
/// Source: Tukey, J. W. (1977), *Exploratory Data Analysis*, §2C ("far out" values).
///
/// O(n log n).
///
/// ```
/// use crimescope_spatial::outlier_trimmed_extent;
/// let mut pts: Vec<(f64, f64)> = (0..100).map(|i| (530_000.0 + i as f64 * 10.0, 180_000.0 + (i % 10) as f64 * 50.0)).collect();
/// pts.push((300_000.0, 400_000.0)); // a row snapped to Wales
/// let e = outlier_trimmed_extent(&pts).unwrap();
/// assert_eq!(e.outside, 1);
/// assert_eq!((e.min_e, e.max_e), (530_000.0, 530_990.0));
/// ```
pub fn outlier_trimmed_extent(points: &[(f64, f64)]) -> Result<Extent, SpatialError> {
    let weighted: Vec<(f64, f64, u64)> = points.iter().map(|&(e, n)| (e, n, 1)).collect();
    outlier_trimmed_extent_weighted(&weighted)
}

/// [`outlier_trimmed_extent`] for points that stand for several incidents each (e.g.
/// grid-cell centres with their counts): quartiles are weighted by the counts, and
/// `outside` counts incidents, not points.
pub fn outlier_trimmed_extent_weighted(points: &[(f64, f64, u64)]) -> Result<Extent, SpatialError> {
    let total: u64 = points.iter().map(|p| p.2).sum();
    if total == 0 {
        return Err(SpatialError::Empty("no located incidents".into()));
    }
    let fences = |mut v: Vec<(f64, u64)>| {
        v.sort_by(|a, b| a.0.total_cmp(&b.0));
        let q = |p: f64| {
            let rank = ((p * total as f64).ceil() as u64).clamp(1, total);
            let mut seen = 0u64;
            for &(x, w) in &v {
                seen += w;
                if seen >= rank {
                    return x;
                }
            }
            v[v.len() - 1].0
        };
        let (q1, q3) = (q(0.25), q(0.75));
        let iqr = q3 - q1;
        (q1 - 3.0 * iqr, q3 + 3.0 * iqr)
    };
    let (e_lo, e_hi) = fences(points.iter().map(|p| (p.0, p.2)).collect());
    let (n_lo, n_hi) = fences(points.iter().map(|p| (p.1, p.2)).collect());
    let mut extent = Extent {
        min_e: f64::INFINITY,
        max_e: f64::NEG_INFINITY,
        min_n: f64::INFINITY,
        max_n: f64::NEG_INFINITY,
        outside: 0,
    };
    for &(e, n, w) in points {
        if w == 0 {
            continue;
        }
        if e_lo <= e && e <= e_hi && n_lo <= n && n <= n_hi {
            extent.min_e = extent.min_e.min(e);
            extent.max_e = extent.max_e.max(e);
            extent.min_n = extent.min_n.min(n);
            extent.max_n = extent.max_n.max(n);
        } else {
            extent.outside += w as usize;
        }
    }
    Ok(extent)
}
