-- Incidents per place in the period with the count from each source, as
-- repeat_locations gives them but without the place's text and in no order: what
-- `repeats --kind location` totals before it looks up the text of its busiest places
-- (repeat_location_texts). Taking MIN(location_text) for every place, and sorting every
-- place, was a third of that command's time on a national year (BENCHMARKS.md).
-- Counted per place and source first, the source grouped on text_key (a number per
-- text, crate::text_key) rather than filtered three times per row, then per place
-- (any_value(source) instead of the key keeps an accumulator per group: 2.1 s).
-- @param period_start month First month of the period.
-- @param period_end month Last month of the period (inclusive).
-- @param source text = '' Only this source: police, asb or fire ('' for every source).
-- @param category text = '' Only this category, by display name ('' for every category).
-- @param theme text = '' Only the categories of this theme, from the session's themes table ('' for every theme).
WITH by_source AS (
    SELECT COALESCE(location_key, CAST(longitude AS VARCHAR) || ',' || CAST(latitude AS VARCHAR)) AS place,
           text_key(source) AS source_key,
           COUNT(*) AS n
    FROM incidents
    WHERE month BETWEEN $period_start AND $period_end
      AND (location_key IS NOT NULL OR (longitude IS NOT NULL AND latitude IS NOT NULL))
      AND ($source = '' OR CAST(source AS VARCHAR) = $source)
      AND ($category = '' OR CAST(category AS VARCHAR) = $category)
      AND ($theme = '' OR CAST(category AS VARCHAR) IN (SELECT t.category FROM themes AS t WHERE t.theme = $theme))
    GROUP BY 1, 2
)
SELECT place,
       SUM(n) AS incidents,
       SUM(CASE WHEN source_key = text_key('police') THEN n ELSE 0 END) AS police,
       SUM(CASE WHEN source_key = text_key('asb') THEN n ELSE 0 END) AS asb,
       SUM(CASE WHEN source_key = text_key('fire') THEN n ELSE 0 END) AS fire
FROM by_source
GROUP BY place
