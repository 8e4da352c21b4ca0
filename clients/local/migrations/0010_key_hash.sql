-- Reads of one document by its key go through a hash index on "tbl/key" (pg_store: `get`).
--
-- Under SERIALIZABLE, a read through a b-tree locks the leaf page it looked at, and the keys
-- of most tables come from sequences: the newest redemptions, challenges, ledger rows and
-- audit rows of concurrent requests share the right-most leaf of the primary key. A request
-- that read its own redemption and one that inserted the next redemption were a read/write
-- dependency between unrelated members, and a request failed and ran again for it (2.3 to 2.9
-- failed attempts per settle with 16 clients). A hash index locks the bucket of the key
-- instead: neighbouring keys land in different buckets. Table names have no '/' (pg_store
-- checks them), so "tbl/key" names one document.
--
-- Two keys in one bucket still conflict, so the index keeps its buckets a quarter full (buckets
-- split sooner: three times as many): the settles of bench/shared_backend, 16
-- clients, one process, saw 1.2 to 1.7 failed attempts per settle with the default fill
-- (75 %), 0.6 with 25 % and 0.35 with 10 %. The price is disk: about 90 MB of index for a
-- million documents (measured: 10 MB for 109,000; 4 MB at the default fill; the primary key
-- of the same documents, 30 MB).
CREATE INDEX documents_key_hash ON documents USING hash ((tbl || '/' || key))
    WITH (fillfactor = 25);
