-- W3 floor, one transaction: lock the video (as the server does: concurrent toggles of one video
-- take turns, so each reads the current reaction), then one statement toggles the reaction (add,
-- change or remove), moves the video's counters by the same amounts and returns the per-type counts.
\set uid random(1, :users)
\set k random(1, :published)
\set video :k + (:k - 1) / 9
\set t random(1, 6)
BEGIN;
SELECT id FROM videos WHERE id = :video AND is_published FOR NO KEY UPDATE;
WITH wanted AS (
    SELECT ((ARRAY['like', 'love', 'haha', 'wow', 'sad', 'pray'])[:t::int])::varchar AS type
), previous AS (
    SELECT r.type FROM video_reactions AS r WHERE r.user_id = :uid AND r.video_id = :video
), removed AS (
    DELETE FROM video_reactions AS r USING wanted
    WHERE r.user_id = :uid AND r.video_id = :video AND r.type = wanted.type
    RETURNING r.type
), added AS (
    INSERT INTO video_reactions (user_id, video_id, type, created_at, updated_at)
    SELECT :uid::bigint, v.id, wanted.type, now(), now()
    FROM videos AS v, wanted
    WHERE v.id = :video AND v.is_published AND NOT EXISTS (SELECT 1 FROM previous)
    RETURNING type
), changed AS (
    UPDATE video_reactions AS r SET type = wanted.type, updated_at = now()
    FROM wanted
    WHERE r.user_id = :uid AND r.video_id = :video AND r.type <> wanted.type
    RETURNING r.type
), delta AS (
    SELECT o.type AS old, CASE WHEN o.type = w.type THEN NULL ELSE w.type END AS new
    FROM wanted AS w LEFT JOIN previous AS o ON true
)
UPDATE videos AS v SET
    like_count = v.like_count + (d.new IS NOT DISTINCT FROM 'like')::int - (d.old IS NOT DISTINCT FROM 'like')::int,
    love_count = v.love_count + (d.new IS NOT DISTINCT FROM 'love')::int - (d.old IS NOT DISTINCT FROM 'love')::int,
    haha_count = v.haha_count + (d.new IS NOT DISTINCT FROM 'haha')::int - (d.old IS NOT DISTINCT FROM 'haha')::int,
    wow_count = v.wow_count + (d.new IS NOT DISTINCT FROM 'wow')::int - (d.old IS NOT DISTINCT FROM 'wow')::int,
    sad_count = v.sad_count + (d.new IS NOT DISTINCT FROM 'sad')::int - (d.old IS NOT DISTINCT FROM 'sad')::int,
    pray_count = v.pray_count + (d.new IS NOT DISTINCT FROM 'pray')::int - (d.old IS NOT DISTINCT FROM 'pray')::int
FROM delta AS d
WHERE v.id = :video AND v.is_published
RETURNING v.like_count, v.love_count, v.haha_count, v.wow_count, v.sad_count, v.pray_count;
COMMIT;
