-- The board's "likely refused" count (installment/orders.py, late_count) counts instead of
-- reading: applications in review by submission time (0006) and by the time the funder's
-- answer is due, so the ones already answered are taken off without reading them.
CREATE INDEX documents_apps_status_due ON documents ((doc -> 'status'), (doc ->> 'review_due_at'))
    WHERE tbl = 'inst_applications';
