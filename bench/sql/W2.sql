-- W2 floor: the single merging upsert of a progress reading, for a published video only.
\set uid random(1, :users)
\set k random(1, :published)
\set video :k + (:k - 1) / 9
\set duration 60 + (:video * 37) % 3541
\set position random(0, :duration)
INSERT INTO video_progress AS p (user_id, video_id, watched_seconds, last_position, duration_seconds,
                                 completed, recorded_at, updated_at)
SELECT :uid::bigint, v.id, :position::int, :position::int, :duration::int, false, now(), now()
FROM videos AS v
WHERE v.id = :video AND v.is_published
ON CONFLICT (user_id, video_id) DO UPDATE SET
    watched_seconds = GREATEST(p.watched_seconds, excluded.watched_seconds),
    completed = p.completed OR excluded.completed,
    last_position = CASE WHEN excluded.recorded_at >= p.recorded_at
                         THEN excluded.last_position ELSE p.last_position END,
    duration_seconds = CASE WHEN excluded.recorded_at >= p.recorded_at
                            THEN excluded.duration_seconds ELSE p.duration_seconds END,
    recorded_at = GREATEST(p.recorded_at, excluded.recorded_at),
    updated_at = excluded.updated_at
RETURNING p.*;
