-- Incidents and harm by source and category over a period: each incident weighed by its
-- Home Office offence code where the extract gives one that the bundled offence table
-- lists (offence_harm_weight, harm_offences_v1), else by its category's weight in the
-- session's harm table (harm_weight), else by the harm stored at ingest; with how many
-- incidents were weighed by offence.
-- @param period_start month First month of the period.
-- @param period_end month Last month of the period (inclusive).
-- @param source text = '' Only this source: police, asb or fire ('' for every source).
SELECT CAST(source AS VARCHAR) AS source,
       CAST(category AS VARCHAR) AS category,
       COUNT(*) AS incidents,
       SUM(COALESCE(offence_harm_weight(ho_offence_code), harm_weight(category), harm_weight)) AS harm,
       SUM(CASE WHEN offence_harm_weight(ho_offence_code) IS NOT NULL THEN 1 ELSE 0 END) AS offence_weighted
FROM incidents
WHERE month BETWEEN $period_start AND $period_end
  AND ($source = '' OR CAST(source AS VARCHAR) = $source)
GROUP BY 1, 2
ORDER BY 1, 2
