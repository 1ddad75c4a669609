//! Square grids on British National Grid metres.
//!
//! Cells of `cell` metres are anchored at BNG (0, 0): cell (i, j) covers
//! [i·cell, (i+1)·cell) × [j·cell, (j+1)·cell) (DESIGN.md, "Grid").

use crate::error::SpatialError;

/// A rectangle of grid cells, optionally masked to a study area.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    /// The cell size in metres.
    pub cell: f64,
    /// Column index of the first column.
    pub i0: i64,
    /// Row index of the first row.
    pub j0: i64,
    /// Number of columns.
    pub width: usize,
    /// Number of rows.
    pub height: usize,
    /// Which cells belong to the study area (row-major, `width × height`); `None` means all.
    pub mask: Option<Vec<bool>>,
}

/// The largest grid crimescope builds, in cells; bigger requests are refused with a
/// message that says how to shrink them.
pub const MAX_CELLS: usize = 50_000_000;

impl Grid {
    /// The grid of `cell`-metre cells covering the extent [min_e, max_e] × [min_n, max_n].
    pub fn covering(cell: f64, min_e: f64, max_e: f64, min_n: f64, max_n: f64) -> Result<Grid, SpatialError> {
        if !(cell.is_finite() && cell > 0.0) {
            return Err(SpatialError::BadParameter(format!(
                "cell size {cell} must be a positive number of metres"
            )));
        }
        if !(min_e <= max_e && min_n <= max_n) {
            return Err(SpatialError::Empty("the extent is empty".into()));
        }
        let (i0, i1) = (cell_index(min_e, cell), cell_index(max_e, cell));
        let (j0, j1) = (cell_index(min_n, cell), cell_index(max_n, cell));
        let width = (i1 - i0 + 1) as usize;
        let height = (j1 - j0 + 1) as usize;
        if width.saturating_mul(height) > MAX_CELLS {
            return Err(SpatialError::TooLarge {
                cells: width.saturating_mul(height),
                message: format!("{width} × {height} cells of {cell} m; use a larger cell or a smaller study area"),
            });
        }
        Ok(Grid {
            cell,
            i0,
            j0,
            width,
            height,
            mask: None,
        })
    }

    /// Number of cells in the rectangle (masked or not).
    pub fn len(&self) -> usize {
        self.width * self.height
    }

    /// Whether the rectangle has no cells.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether cell `k` (row-major) is in the study area.
    pub fn inside(&self, k: usize) -> bool {
        self.mask.as_ref().is_none_or(|m| m[k])
    }

    /// The row-major indices of the cells in the study area, in order.
    pub fn inside_cells(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.len()).filter(|&k| self.inside(k))
    }

    /// Number of cells in the study area.
    pub fn cells_inside(&self) -> usize {
        self.mask
            .as_ref()
            .map_or(self.len(), |m| m.iter().filter(|&&b| b).count())
    }

    /// The row-major index of the cell holding (easting, northing), if it is in the
    /// rectangle and the study area.
    pub fn index_of(&self, easting: f64, northing: f64) -> Option<usize> {
        let i = cell_index(easting, self.cell) - self.i0;
        let j = cell_index(northing, self.cell) - self.j0;
        if i < 0 || j < 0 || i as usize >= self.width || j as usize >= self.height {
            return None;
        }
        let k = j as usize * self.width + i as usize;
        self.inside(k).then_some(k)
    }

    /// The absolute (i, j) of cell `k`.
    pub fn ij(&self, k: usize) -> (i64, i64) {
        (self.i0 + (k % self.width) as i64, self.j0 + (k / self.width) as i64)
    }

    /// The centre of cell `k` in BNG metres.
    pub fn centre(&self, k: usize) -> (f64, f64) {
        let (i, j) = self.ij(k);
        ((i as f64 + 0.5) * self.cell, (j as f64 + 0.5) * self.cell)
    }

    /// A stable identifier: `<cell>m:<i>:<j>` (e.g. `250m:2131:724`), the same for the
    /// same cell in any run.
    pub fn cell_id(&self, k: usize) -> String {
        let (i, j) = self.ij(k);
        format!("{}m:{i}:{j}", self.cell)
    }

    /// Count points into cells; returns the counts (row-major) and the number of
    /// points outside the study area.
    pub fn count(&self, points: &[(f64, f64)]) -> (Vec<u64>, u64) {
        let mut counts = vec![0u64; self.len()];
        let mut outside = 0;
        for &(e, n) in points {
            match self.index_of(e, n) {
                Some(k) => counts[k] += 1,
                None => outside += 1,
            }
        }
        (counts, outside)
    }
}

/// The grid index of a coordinate: ⌊x / cell⌋.
pub fn cell_index(x: f64, cell: f64) -> i64 {
    (x / cell).floor() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_half_open_and_anchored_at_zero() {
        let g = Grid::covering(250.0, 530_000.0, 531_000.0, 180_000.0, 180_400.0).unwrap();
        assert_eq!((g.i0, g.j0, g.width, g.height), (2120, 720, 5, 2));
        // 530,250 is the left edge of the second column.
        assert_eq!(g.index_of(530_250.0, 180_000.0), Some(1));
        assert_eq!(g.index_of(530_249.999, 180_000.0), Some(0));
        assert_eq!(g.centre(0), (530_125.0, 180_125.0));
        assert_eq!(g.cell_id(6), "250m:2121:721");
        assert_eq!(g.index_of(529_999.0, 180_000.0), None);
        let (counts, outside) = g.count(&[(530_010.0, 180_010.0), (530_020.0, 180_020.0), (0.0, 0.0)]);
        assert_eq!((counts[0], outside), (2, 1));
    }

    #[test]
    fn refuses_absurd_grids() {
        let e = Grid::covering(1.0, 0.0, 700_000.0, 0.0, 1_200_000.0)
            .unwrap_err()
            .to_string();
        // The library names its parameters; the CLI adds the flags (--cell, --area).
        assert!(e.contains("larger cell"), "{e}");
        assert!(Grid::covering(0.0, 0.0, 1.0, 0.0, 1.0).is_err());
    }
}
