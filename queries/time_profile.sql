-- Incidents by day of week and hour of the day, over incidents whose time is known to
-- the minute (time_precision = 'minute'). police.uk data is month-only and gives no
-- rows here. Days are ISO: 1 = Monday ... 7 = Sunday; hours 0-23 on the clock of
-- $timezone (default Europe/London): occurred_at is stored in UTC, and local_time()
-- gives the clock time back.
-- @param period_start month First month of the period.
-- @param period_end month Last month of the period (inclusive).
-- @param source text = '' Only this source: police, asb or fire ('' for every source).
-- @param category text = '' Only this category, by display name ('' for every category).
-- @param theme text = '' Only the categories of this theme, from the session's themes table ('' for every theme).
-- @param timezone text = Europe/London The IANA zone whose clock gives hours and days (the session's clock zone when not given).
SELECT CAST(CASE WHEN date_part('dow', local_time(occurred_at, $timezone)) = 0 THEN 7
                 ELSE date_part('dow', local_time(occurred_at, $timezone)) END AS BIGINT) AS day_of_week,
       CAST(date_part('hour', local_time(occurred_at, $timezone)) AS BIGINT) AS hour,
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
