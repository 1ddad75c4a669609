-- Incidents by source and category, with harm-weighted totals.
SELECT CAST(source AS VARCHAR) AS source,
       CAST(category AS VARCHAR) AS category,
       COUNT(*) AS incidents,
       SUM(harm_weight) AS harm
FROM incidents
GROUP BY 1, 2
ORDER BY 1, incidents DESC, 2
