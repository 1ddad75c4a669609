-- The located incidents' British National Grid coordinates, for kernel density and the
-- nearest neighbour index.
-- @param period_start month First month of the period.
-- @param period_end month Last month of the period (inclusive).
-- @param source text = '' Only this source: police, asb or fire ('' for every source).
-- @param category text = '' Only this category, by display name ('' for every category).
-- @param theme text = '' Only the categories of this theme, from the session's themes table ('' for every theme).
SELECT easting, northing
FROM incidents
WHERE month BETWEEN $period_start AND $period_end
  AND easting IS NOT NULL AND northing IS NOT NULL
  AND ($source = '' OR CAST(source AS VARCHAR) = $source)
  AND ($category = '' OR CAST(category AS VARCHAR) = $category)
  AND ($theme = '' OR CAST(category AS VARCHAR) IN (SELECT t.category FROM themes AS t WHERE t.theme = $theme))
ORDER BY easting, northing
