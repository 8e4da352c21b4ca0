-- Members are found by the keyed hash of their mobile or ID number (clients/local/pii.py);
-- the sealed value itself is never compared. One partial expression index per lookup.
CREATE INDEX documents_members_mobile_hash ON documents ((doc -> 'mobile_hash'))
    WHERE tbl = 'members';
CREATE INDEX documents_members_id_number_hash ON documents ((doc -> 'id_number_hash'))
    WHERE tbl = 'members';
CREATE INDEX documents_otp_redemption ON documents ((doc -> 'redemption_id'))
    WHERE tbl = 'otp_challenges';
CREATE INDEX documents_points_batches_sha ON documents ((doc -> 'sha256'))
    WHERE tbl = 'points_batches';
