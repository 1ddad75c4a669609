//! Where synthetic incidents happen: LSOAs (real Coventry polygons, or synthetic square
//! cells elsewhere), and the places (addresses) inside them.

use crimescope_ingest::projection::{Projected, to_bng};

use crate::SynthError;
use crate::rng::{ChaCha8Rng, Rng, normal, stream};

/// The real Coventry LSOA 2021 polygons (ONS, OGL v3.0), WGS84.
pub const COVENTRY_LSOAS: &str = include_str!("../../../fixtures/coventry/coventry_lsoa21_wgs84.geojson");
/// IMD 2019 rank and decile by Coventry LSOA (MHCLG, OGL).
pub const COVENTRY_IMD: &str = include_str!("../../../fixtures/coventry/coventry_imd2019_deprivation.csv");

/// A lower-layer super output area.
#[derive(Debug, Clone)]
pub struct Lsoa {
    /// LSOA code (real `E01…`, or synthetic `X01…`).
    pub code: String,
    /// LSOA name.
    pub name: String,
    /// Outer ring, WGS84 (lon, lat).
    pub ring: Vec<(f64, f64)>,
    /// IMD decile, 1 (most deprived) to 10.
    pub imd_decile: u8,
}

/// A place where incidents happen: an address with a UPRN.
#[derive(Debug, Clone)]
pub struct Place {
    /// Synthetic UPRN.
    pub uprn: u64,
    /// Index into the area's LSOAs.
    pub lsoa: u32,
    /// WGS84 longitude.
    pub lon: f64,
    /// WGS84 latitude.
    pub lat: f64,
    /// BNG easting (m).
    pub easting: f64,
    /// BNG northing (m).
    pub northing: f64,
    /// Street name.
    pub street: u16,
}

/// A police force area with its geography.
#[derive(Debug, Clone)]
pub struct ForceArea {
    /// police.uk slug, e.g. `west-midlands`.
    pub slug: &'static str,
    /// The force's position in [`FORCES`]: makes every id unique across forces.
    pub index: usize,
    /// Display name, e.g. `West Midlands Police`.
    pub name: String,
    /// The LSOAs.
    pub lsoas: Vec<Lsoa>,
    /// The places.
    pub places: Vec<Place>,
}

/// The 43 territorial forces of England and Wales: police.uk slug, approximate centre
/// (lon, lat) and approximate resident population in millions. The centres and
/// populations are rough, for spreading synthetic data; they are not boundaries.
pub const FORCES: [(&str, f64, f64, f64); 43] = [
    ("avon-and-somerset", -2.70, 51.30, 1.75),
    ("bedfordshire", -0.45, 52.05, 0.70),
    ("cambridgeshire", 0.10, 52.35, 0.90),
    ("cheshire", -2.55, 53.20, 1.10),
    ("city-of-london", -0.09, 51.515, 0.30),
    ("cleveland", -1.20, 54.57, 0.57),
    ("cumbria", -2.90, 54.60, 0.50),
    ("derbyshire", -1.60, 53.10, 1.05),
    ("devon-and-cornwall", -4.20, 50.50, 1.80),
    ("dorset", -2.20, 50.75, 0.78),
    ("durham", -1.70, 54.70, 0.65),
    ("dyfed-powys", -4.00, 52.00, 0.52),
    ("essex", 0.50, 51.80, 1.85),
    ("gloucestershire", -2.20, 51.85, 0.65),
    ("greater-manchester", -2.25, 53.48, 2.90),
    ("gwent", -3.00, 51.70, 0.60),
    ("hampshire", -1.30, 51.05, 2.00),
    ("hertfordshire", -0.25, 51.80, 1.20),
    ("humberside", -0.50, 53.75, 0.93),
    ("kent", 0.70, 51.20, 1.90),
    ("lancashire", -2.60, 53.85, 1.50),
    ("leicestershire", -1.10, 52.65, 1.10),
    ("lincolnshire", -0.30, 53.10, 0.77),
    ("merseyside", -2.95, 53.42, 1.43),
    ("metropolitan", -0.12, 51.50, 8.90),
    ("norfolk", 1.00, 52.65, 0.92),
    ("north-wales", -3.60, 53.10, 0.70),
    ("north-yorkshire", -1.50, 54.10, 0.83),
    ("northamptonshire", -0.90, 52.30, 0.76),
    ("northumbria", -1.60, 55.00, 1.50),
    ("nottinghamshire", -1.10, 53.05, 1.16),
    ("south-wales", -3.40, 51.55, 1.30),
    ("south-yorkshire", -1.35, 53.45, 1.40),
    ("staffordshire", -2.00, 52.85, 1.13),
    ("suffolk", 1.00, 52.20, 0.76),
    ("surrey", -0.40, 51.25, 1.20),
    ("sussex", -0.20, 50.90, 1.70),
    ("thames-valley", -1.00, 51.60, 2.40),
    ("warwickshire", -1.55, 52.30, 0.60),
    ("west-mercia", -2.50, 52.30, 1.30),
    ("west-midlands", -1.95, 52.48, 2.90),
    ("west-yorkshire", -1.60, 53.75, 2.30),
    ("wiltshire", -1.90, 51.30, 0.72),
];

/// A force's position in [`FORCES`] (43 for an unknown slug).
pub fn force_index(slug: &str) -> usize {
    FORCES.iter().position(|f| f.0 == slug).unwrap_or(FORCES.len())
}

/// The display name police.uk uses for a force slug.
pub fn force_name(slug: &str) -> String {
    match slug {
        "metropolitan" => "Metropolitan Police Service".into(),
        "city-of-london" => "City of London Police".into(),
        _ => {
            let words: Vec<String> = slug
                .split('-')
                .map(|w| match w {
                    "and" => "and".to_string(),
                    _ => w[..1].to_uppercase() + &w[1..],
                })
                .collect();
            let base = words.join(" ");
            if slug.starts_with("devon") || slug.starts_with("avon") || slug.starts_with("dyfed") {
                format!("{base} Constabulary")
            } else {
                format!("{base} Police")
            }
        }
    }
}

/// Parse the real Coventry LSOAs with their IMD deciles.
pub fn coventry_lsoas() -> Result<Vec<Lsoa>, SynthError> {
    let bad = |m: String| SynthError::Data {
        what: "fixtures/coventry".into(),
        message: m,
    };
    let mut deciles = std::collections::HashMap::new();
    for line in COVENTRY_IMD.trim_start_matches('\u{feff}').lines().skip(1) {
        let code = line.split(',').next().unwrap_or_default().to_string();
        let decile: u8 = line.rsplit(',').next().and_then(|d| d.trim().parse().ok()).unwrap_or(5);
        deciles.insert(code, decile);
    }
    let doc: serde_json::Value = serde_json::from_str(COVENTRY_LSOAS).map_err(|e| bad(e.to_string()))?;
    let features = doc["features"].as_array().ok_or_else(|| bad("no features".into()))?;
    let mut out = Vec::with_capacity(features.len());
    for f in features {
        let code = f["properties"]["LSOA21CD"].as_str().unwrap_or_default().to_string();
        let name = f["properties"]["LSOA21NM"].as_str().unwrap_or_default().to_string();
        let ring: Vec<(f64, f64)> = f["geometry"]["coordinates"][0]
            .as_array()
            .ok_or_else(|| bad(format!("{code}: no polygon ring")))?
            .iter()
            .filter_map(|p| Some((p[0].as_f64()?, p[1].as_f64()?)))
            .collect();
        let imd_decile = deciles.get(&code).copied().unwrap_or(5);
        out.push(Lsoa {
            code,
            name,
            ring,
            imd_decile,
        });
    }
    out.sort_by(|a, b| a.code.cmp(&b.code));
    Ok(out)
}

/// Synthetic square LSOAs of about 0.8 km, filling a disc around a centre; deprivation
/// falls with distance from the centre, with noise.
pub fn synthetic_lsoas(
    slug: &str,
    centre: (f64, f64),
    count: usize,
    code_offset: usize,
    rng: &mut ChaCha8Rng,
) -> Vec<Lsoa> {
    let (dx, dy) = (0.0118, 0.0072); // ≈ 0.8 km at 52°N
    let radius = ((count as f64) / std::f64::consts::PI).sqrt().ceil() as i64 + 1;
    let mut cells: Vec<(i64, i64)> = Vec::new();
    for i in -radius..=radius {
        for j in -radius..=radius {
            cells.push((i, j));
        }
    }
    cells.sort_by_key(|&(i, j)| (i * i + j * j, i, j));
    cells.truncate(count);
    let max_r = cells
        .last()
        .map_or(1.0, |&(i, j)| ((i * i + j * j) as f64).sqrt().max(1.0));
    cells
        .iter()
        .enumerate()
        .map(|(n, &(i, j))| {
            let (x0, y0) = (centre.0 + i as f64 * dx, centre.1 + j as f64 * dy);
            let r = ((i * i + j * j) as f64).sqrt() / max_r;
            let decile = (1.0 + 9.0 * r + 1.5 * normal(rng)).round().clamp(1.0, 10.0) as u8;
            Lsoa {
                code: format!("X{:08}", code_offset + n),
                name: format!("{} synthetic {:04}", force_name(slug), n + 1),
                ring: vec![(x0, y0), (x0 + dx, y0), (x0 + dx, y0 + dy), (x0, y0 + dy), (x0, y0)],
                imd_decile: decile,
            }
        })
        .collect()
}

/// Whether a point is inside a ring (ray casting; Shimrat 1962, Algorithm 112).
pub fn contains(ring: &[(f64, f64)], (x, y): (f64, f64)) -> bool {
    let mut inside = false;
    let mut j = ring.len().saturating_sub(1);
    for i in 0..ring.len() {
        let (xi, yi) = ring[i];
        let (xj, yj) = ring[j];
        if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi {
            inside = !inside;
        }
        j = i;
    }
    inside
}

/// Scatter `per_lsoa` places uniformly inside each LSOA (rejection sampling in the
/// bounding box), each with a BNG position and one of the LSOA's streets.
pub fn places(seed: u64, slug: &str, force_index: usize, lsoas: &[Lsoa], per_lsoa: usize) -> Vec<Place> {
    let mut rng = stream(seed, &format!("places/{slug}"));
    let mut out = Vec::with_capacity(lsoas.len() * per_lsoa);
    for (li, lsoa) in lsoas.iter().enumerate() {
        let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for &(x, y) in &lsoa.ring {
            x0 = x0.min(x);
            y0 = y0.min(y);
            x1 = x1.max(x);
            y1 = y1.max(y);
        }
        let streets = 4 + (li % 5) as u16;
        let mut made = 0;
        let mut tries = 0;
        while made < per_lsoa && tries < per_lsoa * 200 {
            tries += 1;
            let p = (rng.random_range(x0..x1), rng.random_range(y0..y1));
            if !contains(&lsoa.ring, p) {
                continue;
            }
            let (lon, lat) = ((p.0 * 1e6).round() / 1e6, (p.1 * 1e6).round() / 1e6);
            let Projected::Bng { easting, northing } = to_bng(lon, lat) else {
                continue;
            };
            out.push(Place {
                uprn: 100_000_000_000 + force_index as u64 * 1_000_000_000 + (out.len() as u64) * 7 + (li as u64 % 7),
                lsoa: li as u32,
                lon,
                lat,
                easting: easting.round(),
                northing: northing.round(),
                street: (li as u16).wrapping_mul(7).wrapping_add(rng.random_range(0..streets)),
            });
            made += 1;
        }
    }
    out
}

/// Street names, combined from parts so every LSOA has its own handful.
pub fn street_name(street: u16) -> String {
    const FIRST: [&str; 16] = [
        "Mill",
        "Church",
        "Station",
        "Park",
        "Victoria",
        "Albert",
        "Queens",
        "Kings",
        "Grove",
        "Manor",
        "Chapel",
        "Bridge",
        "Castle",
        "Spon",
        "Foleshill",
        "Holyhead",
    ];
    const LAST: [&str; 8] = ["Road", "Street", "Lane", "Avenue", "Close", "Way", "Drive", "Crescent"];
    format!(
        "{} {}",
        FIRST[usize::from(street) % 16],
        LAST[usize::from(street / 16) % 8]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coventry_has_195_lsoas_with_deciles_and_places_fall_inside() {
        let lsoas = coventry_lsoas().unwrap();
        assert_eq!(lsoas.len(), 195);
        assert!(lsoas.iter().all(|l| (1..=10).contains(&l.imd_decile)));
        let places = places(1, "west-midlands", 40, &lsoas[..5], 20);
        assert_eq!(places.len(), 100);
        for p in &places {
            assert!(contains(&lsoas[p.lsoa as usize].ring, (p.lon, p.lat)));
            assert!((400_000.0..460_000.0).contains(&p.easting), "{}", p.easting);
        }
    }

    #[test]
    fn point_in_polygon_on_a_square() {
        let sq = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0), (0.0, 0.0)];
        assert!(contains(&sq, (0.5, 0.5)));
        assert!(!contains(&sq, (1.5, 0.5)));
        assert!(!contains(&sq, (-0.1, 0.9)));
    }

    #[test]
    fn force_names_read_like_police_uk() {
        assert_eq!(force_name("west-midlands"), "West Midlands Police");
        assert_eq!(force_name("avon-and-somerset"), "Avon and Somerset Constabulary");
        assert_eq!(FORCES.len(), 43);
    }
}
