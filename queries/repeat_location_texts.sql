-- The text of each of a few places, as repeat_locations gives it (the least
-- location_text of the place's incidents that pass the same filters): what
-- `repeats --kind location` shows beside its busiest places.
-- @param period_start month First month of the period.
-- @param period_end month Last month of the period (inclusive).
-- @param places text The places, as repeat_location_counts gives them, joined by the unit separator (U+001F).
-- @param source text = '' Only this source: police, asb or fire ('' for every source).
-- @param category text = '' Only this category, by display name ('' for every category).
-- @param theme text = '' Only the categories of this theme, from the session's themes table ('' for every theme).
SELECT COALESCE(location_key, CAST(longitude AS VARCHAR) || ',' || CAST(latitude AS VARCHAR)) AS place,
       MIN(location_text) AS location_text
FROM incidents
WHERE month BETWEEN $period_start AND $period_end
  AND array_has(string_to_array($places, chr(31)),
                COALESCE(location_key, CAST(longitude AS VARCHAR) || ',' || CAST(latitude AS VARCHAR)))
  AND ($source = '' OR CAST(source AS VARCHAR) = $source)
  AND ($category = '' OR CAST(category AS VARCHAR) = $category)
  AND ($theme = '' OR CAST(category AS VARCHAR) IN (SELECT t.category FROM themes AS t WHERE t.theme = $theme))
GROUP BY 1
ORDER BY 1
