-- Incidents by month and source.
SELECT to_char(month, '%Y-%m') AS month,
       SUM(CASE WHEN source = 'police' THEN 1 ELSE 0 END) AS police,
       SUM(CASE WHEN source = 'asb' THEN 1 ELSE 0 END) AS asb,
       SUM(CASE WHEN source = 'fire' THEN 1 ELSE 0 END) AS fire,
       COUNT(*) AS total
FROM incidents
GROUP BY 1
ORDER BY 1
