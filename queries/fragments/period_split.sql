-- Fragment `period_split`, included by the trend queries with the line
-- `-- @include period_split` after their `by_month` CTE (columns grp, month, n = the
-- incidents, harm = their summed harm weight). It adds the CTE `counts` (grp, current,
-- previous, harm_current, harm_previous): each group's months split into the current
-- and the comparison period. Counting per group and month first leaves no expression
-- per row beyond the filter (national `trend --by category` 0.22 -> 0.20 s;
-- BENCHMARKS.md); with tens of thousands of groups (LSOAs, wards) the per-month
-- grouping is twelve times larger and slower, so those trends split per row. It uses
-- the parameters period_start, period_end, compare_start and compare_end.
counts AS (
    SELECT grp,
           SUM(CASE WHEN month BETWEEN $period_start AND $period_end THEN n ELSE 0 END) AS current,
           SUM(CASE WHEN month BETWEEN $compare_start AND $compare_end THEN n ELSE 0 END) AS previous,
           SUM(CASE WHEN month BETWEEN $period_start AND $period_end THEN harm ELSE 0 END) AS harm_current,
           SUM(CASE WHEN month BETWEEN $compare_start AND $compare_end THEN harm ELSE 0 END) AS harm_previous
    FROM by_month
    GROUP BY grp
),
