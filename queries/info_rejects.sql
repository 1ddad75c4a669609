-- Rejected rows by reason and field.
SELECT CAST(reason AS VARCHAR) AS reason,
       field,
       COUNT(*) AS rows_rejected,
       COUNT(DISTINCT source_file) AS files
FROM rejects
GROUP BY 1, 2
ORDER BY rows_rejected DESC, 1, 2
