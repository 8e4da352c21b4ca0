-- Store.select(table, where=..., field=..., lo=..., hi=...): equality on `doc -> f` (jsonb),
-- the range and order on `doc ->> field` (text). One index per question the rules ask.
-- The shift list and the supervisor's list: redemptions by creator and by creation time.
CREATE INDEX documents_redemptions_created_by_at ON documents
    ((doc -> 'created_by'), (doc ->> 'created_at')) WHERE tbl = 'redemptions';
CREATE INDEX documents_redemptions_created_at ON documents ((doc ->> 'created_at'))
    WHERE tbl = 'redemptions';
-- The redemption detail report: settled redemptions by settlement time.
CREATE INDEX documents_redemptions_status_settled ON documents
    ((doc -> 'status'), (doc ->> 'settled_at')) WHERE tbl = 'redemptions';
-- The issuance report: earned points by time.
CREATE INDEX documents_ledger_kind_at ON documents ((doc -> 'kind'), (doc ->> 'at'))
    WHERE tbl = 'points_ledger';
-- Installment order queries by creation day.
CREATE INDEX documents_apps_created_date ON documents ((doc ->> 'created_date'))
    WHERE tbl = 'inst_applications';
