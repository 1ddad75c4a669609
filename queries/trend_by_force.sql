-- Incidents and harm by force: the current period against the comparison period,
-- with the change, the percentage change (null when the comparison count is 0),
-- the Poisson E-test's p-value, z = sqrt(2)(sqrt(current) - sqrt(previous)) (scaled for
-- periods of different lengths), p_fdr adjusted across the rows (Benjamini-Hochberg),
-- significant = p_fdr < 0.05,
-- and rates per 1,000 residents over the area's population (null when none is loaded).
-- @param period_start month First month of the current period.
-- @param period_end month Last month of the current period (inclusive).
-- @param compare_start month First month of the comparison period.
-- @param compare_end month Last month of the comparison period (inclusive).
-- @param source text = '' Only this source: police, asb or fire ('' for every source).
-- @param category text = '' Only this category, by display name ('' for every category).
WITH by_month AS (
    -- Grouped on text_month_key (one number per text and month, crate::text_month_key:
    -- DataFusion groups a dictionary column by copying its text per row, and two columns
    -- slower than one number); the text taken back with any_value and cast after
    -- aggregation, the month with key_month.
    -- Counted per group and month; `period_split` splits the periods.
    SELECT any_value(force) AS grp, key_month(text_month_key(force, month)) AS month,
           COUNT(*) AS n, SUM(harm_weight) AS harm
    FROM incidents
    WHERE (month BETWEEN $period_start AND $period_end OR month BETWEEN $compare_start AND $compare_end)
      AND ($source = '' OR CAST(source AS VARCHAR) = $source)
      AND ($category = '' OR CAST(category AS VARCHAR) = $category)
    GROUP BY text_month_key(force, month)
),
-- @include period_split
residents AS (
    -- The whole area's residents: a csp-level table if loaded, else the sum over LSOAs.
    SELECT COALESCE(SUM(CASE WHEN level = 'csp' THEN population END),
                    SUM(CASE WHEN level = 'lsoa' THEN population END)) AS residents
    FROM population
),
levels AS (
    SELECT COALESCE(CAST(grp AS VARCHAR), '(no force)') AS "group",
           current,
           previous,
           current - previous AS change,
           CASE WHEN previous > 0 THEN 100.0 * (current - previous) / previous END AS pct_change,
           harm_current,
           harm_previous,
           r.residents,
           1000.0 * current / r.residents AS rate_current,
           1000.0 * previous / r.residents AS rate_previous
    FROM counts CROSS JOIN residents AS r
),
-- @include change_test
SELECT "group", current, previous, change, pct_change, z, p, p_fdr, p_fdr < 0.05 AS significant,
       harm_current, harm_previous, residents, rate_current, rate_previous
FROM adjusted
ORDER BY current DESC, previous DESC, "group"
