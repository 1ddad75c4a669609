-- Incidents per LSOA for concentration, zeros included: the LSOAs are those of the
-- loaded LSOA population table, or else every LSOA code the store's incidents carry.
-- @param period_start month First month of the period.
-- @param period_end month Last month of the period (inclusive).
-- @param source text = '' Only this source: police, asb or fire ('' for every source).
-- @param category text = '' Only this category, by display name ('' for every category).
WITH universe AS (
    -- concat() makes both sides plain text (the columns carry different field docs).
    SELECT concat(area_code, '') AS lsoa_code FROM population WHERE level = 'lsoa'
    UNION
    SELECT DISTINCT concat(lsoa_code, '') FROM incidents
    WHERE lsoa_code IS NOT NULL AND NOT EXISTS (SELECT 1 FROM population WHERE level = 'lsoa')
),
counts AS (
    SELECT lsoa_code, COUNT(*) AS incidents
    FROM incidents
    WHERE month BETWEEN $period_start AND $period_end
      AND lsoa_code IS NOT NULL
      AND ($source = '' OR CAST(source AS VARCHAR) = $source)
      AND ($category = '' OR CAST(category AS VARCHAR) = $category)
    GROUP BY 1
)
SELECT u.lsoa_code, COALESCE(c.incidents, 0) AS incidents
FROM universe AS u LEFT JOIN counts AS c ON u.lsoa_code = c.lsoa_code
ORDER BY incidents DESC, u.lsoa_code
