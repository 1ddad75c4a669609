-- Located incidents counted into square cells of `cell` metres on British National
-- Grid, anchored at (0, 0): cell (i, j) covers [i*cell, (i+1)*cell) x [j*cell, (j+1)*cell).
-- Only cells with incidents appear; the caller adds the zero cells of the study area.
-- @param period_start month First month of the period.
-- @param period_end month Last month of the period (inclusive).
-- @param cell float = 250 Cell size in metres.
-- @param source text = '' Only this source: police, asb or fire ('' for every source).
-- @param category text = '' Only this category, by display name ('' for every category).
SELECT CAST(floor(easting / $cell) AS BIGINT) AS i,
       CAST(floor(northing / $cell) AS BIGINT) AS j,
       COUNT(*) AS incidents
FROM incidents
WHERE month BETWEEN $period_start AND $period_end
  AND easting IS NOT NULL AND northing IS NOT NULL
  AND ($source = '' OR CAST(source AS VARCHAR) = $source)
  AND ($category = '' OR CAST(category AS VARCHAR) = $category)
GROUP BY 1, 2
ORDER BY 2, 1
