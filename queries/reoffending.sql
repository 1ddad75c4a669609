-- Proven re-offending for a cohort, after the Ministry of Justice definition: for each
-- offender whose cohort start falls in the period, the proven re-offences committed
-- within 12 months of the start (after it) and proven by conviction within a further
-- 6 months (365 + 183 days). One row per offender, with the count and the days to the
-- first such re-offence.
-- @param period_start month First month of the cohort.
-- @param period_end month Last month of the cohort (inclusive).
WITH cohort AS (
    SELECT offender_key, cohort_start, CAST(index_offence AS VARCHAR) AS index_offence,
           CAST(tier AS VARCHAR) AS tier, iom
    FROM offenders
    WHERE cohort_start >= $period_start
      AND cohort_start < $period_end + INTERVAL '1 month'
),
proven AS (
    SELECT c.offender_key,
           COUNT(*) AS reoffences,
           MIN(CAST(r.offence_date AS BIGINT) - CAST(c.cohort_start AS BIGINT)) AS days_to_first
    FROM cohort AS c
    JOIN reoffences AS r ON r.offender_key = c.offender_key
    WHERE r.offence_date > c.cohort_start
      AND CAST(r.offence_date AS BIGINT) - CAST(c.cohort_start AS BIGINT) <= 365
      AND CAST(r.conviction_date AS BIGINT) - CAST(c.cohort_start AS BIGINT) <= 365 + 183
    GROUP BY c.offender_key
)
SELECT c.offender_key, c.cohort_start, c.index_offence, c.tier, c.iom,
       COALESCE(p.reoffences, 0) AS reoffences,
       p.days_to_first
FROM cohort AS c LEFT JOIN proven AS p ON c.offender_key = p.offender_key
ORDER BY c.offender_key
