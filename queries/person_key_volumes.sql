-- Incidents per person key and role in the period, for the data-quality screen of
-- implausible keys (a placeholder such as UNKNOWN or 0000 in a source system holds
-- thousands of incidents). Offender and perpetrator count as one role.
-- @param period_start month First month of the period.
-- @param period_end month Last month of the period (inclusive).
SELECT CASE WHEN CAST(p.role AS VARCHAR) = 'perpetrator' THEN 'offender' ELSE CAST(p.role AS VARCHAR) END AS role,
       p.person_key,
       COUNT(DISTINCT i.incident_id) AS incidents
FROM parties AS p
JOIN incidents AS i ON p.incident_id = i.incident_id
WHERE i.month BETWEEN $period_start AND $period_end
GROUP BY 1, 2
ORDER BY 1, incidents DESC, 2
