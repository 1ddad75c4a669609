-- Incidents and harm by group and month from the first to the last month given, for
-- the series statistics (rolling totals, seasonality, control charts, Mann-Kendall).
-- Months with no incidents are absent; the caller fills them with 0. By lsoa, 2011 codes
-- are counted in the 2021 LSOA that replaced them (lsoa21()).
-- @param period_start month First month of the series.
-- @param period_end month Last month of the series (inclusive).
-- @param by text = category Group by category, source, theme, lsoa, ward or force ('all' for one series).
-- @param source text = '' Only this source: police, asb or fire ('' for every source).
-- @param category text = '' Only this category, by display name ('' for every category).
WITH selected AS (
    SELECT i.month, i.harm_weight, CAST(i.category AS VARCHAR) AS category,
           CASE $by
               WHEN 'category' THEN CAST(i.category AS VARCHAR)
               WHEN 'source' THEN CAST(i.source AS VARCHAR)
               WHEN 'lsoa' THEN COALESCE(lsoa21(i.lsoa_code), '(none)')
               WHEN 'ward' THEN COALESCE(i.ward_code, '(none)')
               WHEN 'force' THEN COALESCE(CAST(i.force AS VARCHAR), '(no force)')
               ELSE 'all'
           END AS grp
    FROM incidents AS i
    WHERE i.month BETWEEN $period_start AND $period_end
      AND ($source = '' OR CAST(i.source AS VARCHAR) = $source)
      AND ($category = '' OR CAST(i.category AS VARCHAR) = $category)
),
grouped AS (
    -- Themes are many-to-many: one row for each theme of the incident's category.
    SELECT s.month, s.harm_weight, COALESCE(t.theme, 'unassigned') AS grp
    FROM selected AS s LEFT JOIN themes AS t ON s.category = t.category
    WHERE $by = 'theme'
    UNION ALL
    SELECT month, harm_weight, grp FROM selected WHERE $by <> 'theme'
)
SELECT grp AS "group", month, COUNT(*) AS incidents, SUM(harm_weight) AS harm
FROM grouped
GROUP BY grp, month
ORDER BY "group", month
