-- Located incidents with a date to the day (time_precision day or minute), for the
-- Knox near-repeat test: BNG coordinates and whole days since 1970-01-01. Month-only
-- rows (police.uk) are counted separately so the caller can refuse them with a reason.
-- Days are calendar days on the clock of $timezone (occurred_at is stored in UTC).
-- @param period_start month First month of the period.
-- @param period_end month Last month of the period (inclusive).
-- @param source text = '' Only this source: police, asb or fire ('' for every source).
-- @param category text = '' Only this category, by display name ('' for every category).
-- @param theme text = '' Only the categories of this theme, from the session's themes table ('' for every theme).
-- @param timezone text = Europe/London The IANA zone whose clock gives hours and days (the session's clock zone when not given).
SELECT easting,
       northing,
       CAST(CAST(local_time(occurred_at, $timezone) AS DATE) AS BIGINT) AS day,
       incident_id
FROM incidents
WHERE month BETWEEN $period_start AND $period_end
  AND easting IS NOT NULL AND northing IS NOT NULL
  AND occurred_at IS NOT NULL
  AND CAST(time_precision AS VARCHAR) IN ('day', 'minute')
  AND ($source = '' OR CAST(source AS VARCHAR) = $source)
  AND ($category = '' OR CAST(category AS VARCHAR) = $category)
  AND ($theme = '' OR CAST(category AS VARCHAR) IN (SELECT t.category FROM themes AS t WHERE t.theme = $theme))
ORDER BY day, incident_id
