-- Incidents by LSOA in the period, ranked (1 = most), with the rate per 1,000 residents
-- where an LSOA population is loaded. Incidents with no LSOA code are left out (see
-- `crimescope info` for the No Location count). 2011 codes are counted in the 2021 LSOA
-- that replaced them (lsoa21()).
-- @param period_start month First month of the period.
-- @param period_end month Last month of the period (inclusive).
-- @param source text = '' Only this source: police, asb or fire ('' for every source).
-- @param category text = '' Only this category, by display name ('' for every category).
-- @param theme text = '' Only the categories of this theme, from the session's themes table ('' for every theme).
WITH counts AS (
    SELECT lsoa21(lsoa_code) AS area_code, COUNT(*) AS incidents, SUM(harm_weight) AS harm
    FROM incidents
    WHERE month BETWEEN $period_start AND $period_end
      AND lsoa_code IS NOT NULL
      AND ($source = '' OR CAST(source AS VARCHAR) = $source)
      AND ($category = '' OR CAST(category AS VARCHAR) = $category)
      AND ($theme = '' OR CAST(category AS VARCHAR) IN (SELECT t.category FROM themes AS t WHERE t.theme = $theme))
    GROUP BY 1
)
SELECT RANK() OVER (ORDER BY c.incidents DESC) AS rank,
       c.area_code,
       p.area_name,
       c.incidents,
       c.harm,
       p.population AS residents,
       1000.0 * c.incidents / p.population AS rate
FROM counts AS c
LEFT JOIN population AS p ON p.level = 'lsoa' AND p.area_code = c.area_code
ORDER BY rank, c.area_code
