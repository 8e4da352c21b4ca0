-- The applications board (Store.select on inst_applications): a page newest first by id, for
-- every clerk (supervisor) or one clerk, optionally one merchant; and the "likely refused"
-- count over those submitted before the warning time and still in review (status,
-- submitted_at). Equality as `doc -> f` (jsonb), the order and the range as text.
CREATE INDEX documents_apps_id ON documents ((doc ->> 'id')) WHERE tbl = 'inst_applications';
CREATE INDEX documents_apps_clerk_id ON documents ((doc -> 'clerk_staff_id'), (doc ->> 'id'))
    WHERE tbl = 'inst_applications';
CREATE INDEX documents_apps_merchant_id ON documents ((doc -> 'merchant_id'), (doc ->> 'id'))
    WHERE tbl = 'inst_applications';
CREATE INDEX documents_apps_status_submitted
    ON documents ((doc -> 'status'), (doc ->> 'submitted_at'))
    WHERE tbl = 'inst_applications';
