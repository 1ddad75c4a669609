-- How each incident's LSOA code is read as a 2021 LSOA in two periods (give the same
-- period twice for one): the rule
-- (unchanged: a 2021 code; merged: a 2011 LSOA merged into one 2021 LSOA; best-fit: a
-- 2011 LSOA split or redrawn, counted in the one 2021 LSOA the ONS lookup gives it;
-- unknown: in neither vintage, kept), the incidents and the distinct codes it touched.
-- Incidents without a code are left out.
-- @param period_start month First month of the period.
-- @param period_end month Last month of the period (inclusive).
-- @param compare_start month First month of the comparison period.
-- @param compare_end month Last month of the comparison period (inclusive).
-- @param source text = '' Only this source: police, asb or fire ('' for every source).
-- @param category text = '' Only this category, by display name ('' for every category).
SELECT lsoa_change(lsoa_code) AS rule,
       COUNT(*) AS incidents,
       COUNT(DISTINCT CAST(lsoa_code AS VARCHAR)) AS codes
FROM incidents
WHERE (month BETWEEN $period_start AND $period_end OR month BETWEEN $compare_start AND $compare_end)
  AND lsoa_code IS NOT NULL
  AND ($source = '' OR CAST(source AS VARCHAR) = $source)
  AND ($category = '' OR CAST(category AS VARCHAR) = $category)
GROUP BY 1
ORDER BY 1
