"""crimescope: Strategic Assessments for Community Safety Partnerships.

Ingest police.uk, ASB, fire and probation extracts into a store, query it (every query
returns a pyarrow.Table, handed over through the Arrow C stream interface without a
copy), and write the Strategic Assessment. What a table covers (notes, coverage,
summary figures) is JSON in ``table.schema.metadata[b"crimescope"]``.
"""

from os import PathLike
from typing import Any, Optional, Sequence, Union

import pyarrow

_Path = Union[str, PathLike[str]]

__version__: str

class Error(Exception):
    """Every error crimescope raises: a UserError or an InternalError."""

class UserError(Error):
    """A mistake the caller can fix: a bad argument, a missing or unreadable file,
    a store without the data asked for."""

class InternalError(Error):
    """A defect in crimescope (please report it with the message)."""

def ingest(
    store: _Path,
    paths: Sequence[_Path],
    profile: Optional[_Path] = None,
    threads: Optional[int] = None,
) -> dict[str, Any]:
    """Read files, folders (recursively) or .zip archives into the store (created if
    missing) and return the summary: ``files`` (one dict per file) and ``totals``
    (rows_read = rows_loaded + rows_rejected + duplicates_dropped). ``profile`` is a
    TOML mapping profile that reads every input instead of recognising its header."""

def assess(
    config: _Path,
    out: _Path,
    public: bool = False,
    templates: Optional[_Path] = None,
) -> dict[str, Any]:
    """Run the Strategic Assessment of the config file (docs/assessment.md) and write
    assessment.html, .md, .json, .xlsx and CSV tables to ``out``. ``public=True``
    writes the published version. Returns ``files``, ``seconds``, ``marking``,
    ``not_produced`` and ``disclosure``."""

class Store:
    """A crimescope store opened for queries.

    ``area`` keeps only the incidents of a partnership, district or police force area
    (a name or ONS code such as "Coventry" or "E22000336"); ``crime_source`` is "auto",
    "force" or "police.uk"."""

    def __init__(self, path: _Path, area: Optional[str] = None, crime_source: str = "auto") -> None: ...
    @property
    def path(self) -> str:
        """The store's folder."""
    def info(self) -> dict[str, Any]:
        """Files, rows loaded and rejected per source, months covered, boundaries."""
    def sql(self, query: str) -> pyarrow.Table:
        """A read-only SQL query over the store's tables, with crimescope's SQL functions."""
    def trend(
        self,
        period: str,
        compare: str = "year-earlier",
        by: str = "category",
        source: Optional[str] = None,
        category: Optional[str] = None,
    ) -> pyarrow.Table:
        """Change between two periods by group (category, source, theme, lsoa, ward,
        force): counts, change, z, the Poisson E-test's p, p_fdr (Benjamini-Hochberg)
        and ``significant``. ``compare`` is "year-earlier", "previous" or a period."""
    def hotspots(
        self,
        period: str,
        method: str = "grid",
        cell: Optional[float] = None,
        band: float = 500.0,
        bandwidth: Optional[float] = None,
        category: Optional[str] = None,
        source: Optional[str] = None,
        permutations: int = 0,
        seed: int = 1,
        all_cells: bool = False,
    ) -> pyarrow.Table:
        """Hot spots by grid, gi (Getis-Ord Gi*), kde, emerging, lsoa or ward. Cell
        methods list occupied or significant cells unless ``all_cells=True``."""
    def repeats(
        self,
        period: str,
        kind: str = "location",
        category: Optional[str] = None,
        source: Optional[str] = None,
        window: int = 365,
        top: int = 20,
    ) -> pyarrow.Table:
        """The top repeat places (kind="location") or people ("victim", "offender");
        prevalence, incidence, concentration and repeats are in the metadata."""
    def near_repeat(
        self,
        period: str,
        category: Optional[str] = None,
        source: Optional[str] = None,
        space_bands: Sequence[float] = (0.0, 100.0, 200.0, 300.0, 400.0),
        time_bands: Sequence[int] = (0, 7, 14, 21, 28),
        metric: str = "euclidean",
        permutations: int = 999,
        seed: int = 1,
    ) -> pyarrow.Table:
        """The Knox test: one row per distance band and days-apart band with observed,
        expected, knox_ratio, p and p_fdr."""
