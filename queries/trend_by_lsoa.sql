-- Incidents and harm by LSOA: the current period against the comparison period,
-- with the change, the percentage change (null when the comparison count is 0),
-- the Poisson E-test's p-value, z = sqrt(2)(sqrt(current) - sqrt(previous)) (scaled for
-- periods of different lengths), p_fdr adjusted across the rows (Benjamini-Hochberg),
-- significant = p_fdr < 0.05,
-- and rates per 1,000 residents of each LSOA (null where no lsoa population is loaded).
-- Incidents with no LSOA are grouped as '(none)'. 2011 codes are counted in the 2021 LSOA
-- that replaced them (lsoa21(); the rules are in queries/lsoa_vintage.sql).
-- @param period_start month First month of the current period.
-- @param period_end month Last month of the current period (inclusive).
-- @param compare_start month First month of the comparison period.
-- @param compare_end month Last month of the comparison period (inclusive).
-- @param source text = '' Only this source: police, asb or fire ('' for every source).
-- @param category text = '' Only this category, by display name ('' for every category).
WITH counts AS (
    -- Periods split per row here, not by `period_split` after counting per group and
    -- month: with ~35,000 groups that is slower (0.58 -> 0.66 s nationally).
    SELECT COALESCE(lsoa21(lsoa_code), '(none)') AS grp,
           SUM(CASE WHEN month BETWEEN $period_start AND $period_end THEN 1 ELSE 0 END) AS current,
           SUM(CASE WHEN month BETWEEN $compare_start AND $compare_end THEN 1 ELSE 0 END) AS previous,
           SUM(CASE WHEN month BETWEEN $period_start AND $period_end THEN harm_weight ELSE 0 END) AS harm_current,
           SUM(CASE WHEN month BETWEEN $compare_start AND $compare_end THEN harm_weight ELSE 0 END) AS harm_previous
    FROM incidents
    WHERE (month BETWEEN $period_start AND $period_end OR month BETWEEN $compare_start AND $compare_end)
      AND ($source = '' OR CAST(source AS VARCHAR) = $source)
      AND ($category = '' OR CAST(category AS VARCHAR) = $category)
    GROUP BY 1
),
residents AS (
    SELECT area_code, area_name, population AS residents FROM population WHERE level = 'lsoa'
),
levels AS (
    SELECT grp AS "group",
           current,
           previous,
           current - previous AS change,
           CASE WHEN previous > 0 THEN 100.0 * (current - previous) / previous END AS pct_change,
           harm_current,
           harm_previous,
           r.area_name AS name,
           r.residents,
           1000.0 * current / r.residents AS rate_current,
           1000.0 * previous / r.residents AS rate_previous
    FROM counts LEFT JOIN residents AS r ON counts.grp = r.area_code
),
-- @include change_test
SELECT "group", current, previous, change, pct_change, z, p, p_fdr, p_fdr < 0.05 AS significant,
       harm_current, harm_previous, name, residents, rate_current, rate_previous
FROM adjusted
ORDER BY current DESC, previous DESC, "group"
