-- Incidents by day of week and hour of the day, over incidents whose time is known to
-- the minute (time_precision = 'minute'). police.uk data is month-only and gives no
-- rows here. Days are ISO: 1 = Monday ... 7 = Sunday; hours 0-23 of the local clock time
-- the source recorded (crimescope stores source times without a time-zone shift).
-- @param period_start month First month of the period.
-- @param period_end month Last month of the period (inclusive).
-- @param source text = '' Only this source: police, asb or fire ('' for every source).
-- @param category text = '' Only this category, by display name ('' for every category).
-- @param theme text = '' Only the categories of this theme, from the session's themes table ('' for every theme).
SELECT CAST(CASE WHEN date_part('dow', occurred_at) = 0 THEN 7 ELSE date_part('dow', occurred_at) END AS BIGINT)
           AS day_of_week,
       CAST(date_part('hour', occurred_at) AS BIGINT) AS hour,
       COUNT(*) AS incidents
FROM incidents
WHERE month BETWEEN $period_start AND $period_end
  AND occurred_at IS NOT NULL
  AND CAST(time_precision AS VARCHAR) = 'minute'
  AND ($source = '' OR CAST(source AS VARCHAR) = $source)
  AND ($category = '' OR CAST(category AS VARCHAR) = $category)
  AND ($theme = '' OR CAST(category AS VARCHAR) IN (SELECT t.category FROM themes AS t WHERE t.theme = $theme))
GROUP BY 1, 2
ORDER BY 1, 2
