-- Onboarding customers and installment clerks are found by the keyed hash of their ID number,
-- mobile or job number as well (clients/local/pii.py): their documents keep the values sealed.
CREATE INDEX documents_customers_mobile_hash ON documents ((doc -> 'mobile_hash')) WHERE tbl = 'customers';
CREATE INDEX documents_customers_id_number_hash ON documents ((doc -> 'id_number_hash')) WHERE tbl = 'customers';
CREATE INDEX documents_clerks_job_no_hash ON documents ((doc -> 'job_no_hash')) WHERE tbl = 'inst_clerks';
