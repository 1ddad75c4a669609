-- Fragment `change_test`, included by the trend queries with the line
-- `-- @include change_test` after their `levels` CTE (columns "group", current,
-- previous, ...). It adds the CTEs `tested` (z and the E-test p), `ranked` and
-- `adjusted` (p_fdr); the including query selects from `adjusted`. It uses the
-- parameters period_start, period_end, compare_start and compare_end, which the
-- including query declares.
tested AS (
    -- Two single periods are both random counts: the Poisson E-test gives p, and the
    -- root difference 2(sqrt(current) - sqrt(r * previous)) / sqrt(1 + r), with r the
    -- ratio of the periods' months, is the effect on a standard-normal scale
    -- (sqrt(2)(sqrt(current) - sqrt(previous)) for periods of equal length).
    SELECT levels.*,
           2.0 * (sqrt(current) - sqrt(previous * e.ratio)) / sqrt(1.0 + e.ratio) AS z,
           poisson_e_test(current, previous, e.t_current, e.t_compare) AS p
    FROM levels CROSS JOIN (
        SELECT months_in($period_start, $period_end) AS t_current,
               months_in($compare_start, $compare_end) AS t_compare,
               CAST(months_in($period_start, $period_end) AS DOUBLE)
                   / months_in($compare_start, $compare_end) AS ratio
    ) AS e
),
ranked AS (
    SELECT tested.*,
           ROW_NUMBER() OVER (ORDER BY p, "group") AS p_rank,
           COUNT(*) OVER () AS tests
    FROM tested
),
adjusted AS (
    -- Benjamini-Hochberg across the rows of the table: p_fdr of the k-th smallest p is
    -- the least of p(j) * m / j over j >= k, capped at 1.
    SELECT ranked.*,
           LEAST(1.0, MIN(p * tests / p_rank) OVER (
               ORDER BY p_rank DESC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)) AS p_fdr
    FROM ranked
)
