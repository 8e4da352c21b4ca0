-- Reports select settled redemptions by their settlement time (points/reports.py).
DROP INDEX IF EXISTS documents_redemptions_at;
CREATE INDEX documents_redemptions_settled ON documents ((doc ->> 'settled_at'))
    WHERE tbl = 'redemptions' AND doc ->> 'status' = 'settled';
