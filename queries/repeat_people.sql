-- Victimisations (or offences) by person: one row per person and incident in the
-- period, with the incident's date (its calendar day on the $timezone clock where known, else the
-- first of its month),
-- category and harm, for repeat victim and offender analysis. Person keys are
-- pseudonyms (HMAC-SHA256); raw identifiers are never stored.
-- @param period_start month First month of the period.
-- @param period_end month Last month of the period (inclusive).
-- @param role text = victim victim, or offender (offender and perpetrator roles).
-- @param source text = '' Only this source: police, asb or fire ('' for every source).
-- @param category text = '' Only this category, by display name ('' for every category).
-- @param theme text = '' Only the categories of this theme, from the session's themes table ('' for every theme).
-- @param timezone text = Europe/London The IANA zone whose clock gives hours and days (the session's clock zone when not given).
SELECT p.person_key,
       i.incident_id,
       COALESCE(CAST(local_time(i.occurred_at, $timezone) AS DATE), i.month) AS day,
       CAST(i.category AS VARCHAR) AS category,
       i.harm_weight
FROM parties AS p
JOIN incidents AS i ON p.incident_id = i.incident_id
WHERE i.month BETWEEN $period_start AND $period_end
  AND (CAST(p.role AS VARCHAR) = $role
       OR ($role = 'offender' AND CAST(p.role AS VARCHAR) = 'perpetrator'))
  AND ($source = '' OR CAST(i.source AS VARCHAR) = $source)
  AND ($category = '' OR CAST(i.category AS VARCHAR) = $category)
  AND ($theme = '' OR CAST(i.category AS VARCHAR) IN (SELECT t.category FROM themes AS t WHERE t.theme = $theme))
ORDER BY p.person_key, day, i.incident_id
