-- Tables of JSON documents, keyed (tbl, key): the same shape as the embedded store.
CREATE TABLE documents (
    tbl text NOT NULL,
    key text NOT NULL,
    doc jsonb NOT NULL,
    PRIMARY KEY (tbl, key)
);
