-- Incidents by source: rows, months covered, and located share.
SELECT CAST(source AS VARCHAR) AS source,
       COUNT(*) AS incidents,
       to_char(MIN(month), '%Y-%m') AS first_month,
       to_char(MAX(month), '%Y-%m') AS last_month,
       COUNT(DISTINCT month) AS months,
       SUM(CASE WHEN longitude IS NULL THEN 1 ELSE 0 END) AS no_location,
       SUM(CASE WHEN longitude IS NOT NULL AND easting IS NULL THEN 1 ELSE 0 END) AS outside_gb
FROM incidents
GROUP BY 1
ORDER BY 1
