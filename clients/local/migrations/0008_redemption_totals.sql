-- The redemption reports (institutions, channels) read per-hour totals instead of every
-- settled redemption: one row per (UTC hour of settlement, institution, channel, member) with
-- the points, amount and number of settled redemptions. The member is in the key so that
-- "accounts" (distinct members) stays exact; the hour (UTC) so that any whole-hour report
-- zone (points.report_utc_offset_hours) folds the rows into its own local days.
--
-- Kept by statement triggers on documents, in the transaction of the change: whatever writes
-- a redemption (a settle, a reversal, `db import`, plain SQL) keeps the totals right, and a
-- rolled-back attempt leaves them untouched. Only settled redemptions count; a reversal
-- takes its redemption out again (a row whose orders fall to 0 stays, and is not read).
-- Statement triggers with transition tables: a statement of a million rows is one
-- aggregate, not a million updates of one totals row.
CREATE TABLE redemption_totals (
    hour timestamp NOT NULL,            -- UTC, truncated to the hour
    institution_id text NOT NULL,       -- '' for none
    channel text NOT NULL,              -- '' for none
    member_id text NOT NULL,
    points bigint NOT NULL,
    amount numeric NOT NULL,
    orders bigint NOT NULL,
    PRIMARY KEY (hour, institution_id, channel, member_id)
);

-- The hour a redemption document counts in: NULL unless it is settled.
CREATE FUNCTION redemption_totals_hour(doc jsonb) RETURNS timestamp
    LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT CASE WHEN doc ->> 'status' = 'settled' AND doc ->> 'settled_at' IS NOT NULL
    THEN date_trunc('hour', (doc ->> 'settled_at')::timestamptz AT TIME ZONE 'UTC') END $$;

-- One function for the three statements: the settled redemptions of its transition tables,
-- +1 for a document written, -1 for the one it replaced or deleted, summed into the totals.
-- Most statements write no redemption: they only look, and nothing is planned for them.
CREATE FUNCTION redemption_totals_change() RETURNS trigger LANGUAGE plpgsql AS
$$
DECLARE
    added text;
    removed text;
BEGIN
    IF TG_OP <> 'DELETE' THEN
        IF EXISTS (SELECT 1 FROM new_rows WHERE tbl = 'redemptions') THEN
            added := $s$SELECT doc, 1 AS n FROM new_rows WHERE tbl = 'redemptions'$s$;
        END IF;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        IF EXISTS (SELECT 1 FROM old_rows WHERE tbl = 'redemptions') THEN
            removed := $s$SELECT doc, -1 AS n FROM old_rows WHERE tbl = 'redemptions'$s$;
        END IF;
    END IF;
    IF added IS NULL AND removed IS NULL THEN
        RETURN NULL;
    END IF;
    EXECUTE format($q$
        INSERT INTO redemption_totals AS t
        SELECT redemption_totals_hour(doc), coalesce(doc ->> 'institution_id', ''),
               coalesce(doc ->> 'channel', ''), coalesce(doc ->> 'member_id', ''),
               sum(n * (doc ->> 'points')::bigint), sum(n * (doc ->> 'amount')::numeric),
               sum(n)
        FROM (%s) AS c
        WHERE redemption_totals_hour(doc) IS NOT NULL
        GROUP BY 1, 2, 3, 4
        HAVING sum(n) <> 0 OR sum(n * (doc ->> 'points')::bigint) <> 0
            OR sum(n * (doc ->> 'amount')::numeric) <> 0
        ON CONFLICT (hour, institution_id, channel, member_id) DO UPDATE
            SET points = t.points + EXCLUDED.points, amount = t.amount + EXCLUDED.amount,
                orders = t.orders + EXCLUDED.orders
    $q$, concat_ws(' UNION ALL ', added, removed));
    RETURN NULL;
END
$$;

-- The redemptions stored before this migration are taken out before the triggers exist and
-- written back once they do: the triggers count them (one aggregate).
CREATE TEMP TABLE redemptions_before ON COMMIT DROP AS
    SELECT * FROM documents WHERE tbl = 'redemptions';
DELETE FROM documents WHERE tbl = 'redemptions';

CREATE TRIGGER redemption_totals_inserted AFTER INSERT ON documents
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION redemption_totals_change();
CREATE TRIGGER redemption_totals_updated AFTER UPDATE ON documents
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION redemption_totals_change();
CREATE TRIGGER redemption_totals_deleted AFTER DELETE ON documents
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION redemption_totals_change();
INSERT INTO documents SELECT * FROM redemptions_before;
