-- Incidents per place for concentration, zeros included: the places are every place at
-- which the store holds any located incident (any month, any category), and each gets
-- its count in the period under the filters. The place is location_key (a UPRN or the
-- police.uk snap point), else the published longitude/latitude pair. police.uk snap
-- points gather many crimes at one point, so place concentration there is inflated.
-- @param period_start month First month of the period.
-- @param period_end month Last month of the period (inclusive).
-- @param source text = '' Only this source: police, asb or fire ('' for every source).
-- @param category text = '' Only this category, by display name ('' for every category).
WITH located AS (
    SELECT COALESCE(location_key, CAST(longitude AS VARCHAR) || ',' || CAST(latitude AS VARCHAR)) AS place,
           month, source, category
    FROM incidents
    WHERE location_key IS NOT NULL OR (longitude IS NOT NULL AND latitude IS NOT NULL)
)
SELECT place,
       SUM(CASE WHEN month BETWEEN $period_start AND $period_end
                 AND ($source = '' OR CAST(source AS VARCHAR) = $source)
                 AND ($category = '' OR CAST(category AS VARCHAR) = $category)
            THEN 1 ELSE 0 END) AS incidents
FROM located
GROUP BY place
ORDER BY incidents DESC, place
