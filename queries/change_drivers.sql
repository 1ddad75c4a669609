-- What drove a change: the current and comparison counts of each offence (Home Office
-- code, else the sub-category), 2021 LSOA, ward or place (location_key, else the
-- published point) among the incidents of a source, category or theme. The changes of
-- the rows sum to the change of the selection, '(none)' rows included.
-- @param period_start month First month of the current period.
-- @param period_end month Last month of the current period (inclusive).
-- @param compare_start month First month of the comparison period.
-- @param compare_end month Last month of the comparison period (inclusive).
-- @param by text = offence offence, lsoa, ward or place.
-- @param source text = '' Only this source: police, asb or fire ('' for every source).
-- @param category text = '' Only this category, by display name ('' for every category).
-- @param theme text = '' Only the categories of this theme ('' for every theme).
WITH keyed AS (
    SELECT CASE $by
               WHEN 'offence' THEN COALESCE(CAST(ho_offence_code AS VARCHAR), CAST(subcategory AS VARCHAR))
               WHEN 'lsoa' THEN lsoa21(lsoa_code)
               WHEN 'ward' THEN CAST(ward_code AS VARCHAR)
               ELSE COALESCE(CAST(location_key AS VARCHAR),
                             CAST(longitude AS VARCHAR) || ',' || CAST(latitude AS VARCHAR))
           END AS key,
           CASE $by
               WHEN 'offence' THEN CAST(subcategory AS VARCHAR)
               WHEN 'lsoa' THEN CAST(lsoa_name AS VARCHAR)
               WHEN 'ward' THEN CAST(ward_code AS VARCHAR)
               ELSE CAST(location_text AS VARCHAR)
           END AS label,
           month
    FROM incidents
    WHERE (month BETWEEN $period_start AND $period_end OR month BETWEEN $compare_start AND $compare_end)
      AND ($source = '' OR CAST(source AS VARCHAR) = $source)
      AND ($category = '' OR CAST(category AS VARCHAR) = $category)
      AND ($theme = '' OR CAST(category AS VARCHAR) IN (SELECT t.category FROM themes AS t WHERE t.theme = $theme))
)
SELECT COALESCE(key, '(none)') AS key,
       MIN(label) AS label,
       SUM(CASE WHEN month BETWEEN $period_start AND $period_end THEN 1 ELSE 0 END) AS current,
       SUM(CASE WHEN month BETWEEN $compare_start AND $compare_end THEN 1 ELSE 0 END) AS previous
FROM keyed
GROUP BY 1
ORDER BY current - previous DESC, 1
