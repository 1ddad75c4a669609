//! # crimescope-spatial
//!
//! Spatial statistics for crimescope, with no DataFusion dependency: square grids on
//! British National Grid, the study-area rule, Getis-Ord Gi* (points and grids, with
//! conditional permutations), quartic kernel density, the Clark–Evans nearest
//! neighbour index, emerging hot spot classification, and the Knox near-repeat test.
//! One method per item; each names its source.
//!
//! ```
//! use crimescope_spatial::{Grid, gi_star_grid};
//! let grid = Grid::covering(250.0, 530_000.0, 532_000.0, 180_000.0, 182_000.0).unwrap();
//! let mut counts = vec![0.0; grid.len()];
//! counts[grid.index_of(531_000.0, 181_000.0).unwrap()] = 40.0;
//! let gi = gi_star_grid(&grid, &counts, 500.0).unwrap();
//! let hot = grid.index_of(531_000.0, 181_000.0).unwrap();
//! assert!(gi.z[hot] > 2.0);
//! ```
#![warn(missing_docs)]

mod emerging;
mod error;
mod gi;
mod grid;
mod kde;
mod knox;
mod nni;
mod study_area;

pub use emerging::{EmergingClass, classify_emerging, classify_emerging_with_trend, space_time_gi};
pub use error::SpatialError;
pub use gi::{GiStar, band_offsets, gi_permutation_p, gi_star_grid, gi_star_points};
pub use grid::{Grid, MAX_CELLS, cell_index};
pub use kde::{default_bandwidth, quartic_kde};
pub use knox::{DEFAULT_MIN_KNOX_RATIO, Event, KnoxPattern, KnoxTable, Metric, knox_test};
pub use nni::{NearestNeighbourIndex, nearest_neighbour_index};
pub use study_area::{Extent, outlier_trimmed_extent, outlier_trimmed_extent_weighted};
