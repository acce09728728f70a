-- W4 floor: the hot video's counters (kept on the row, never counted) and the viewer's reaction.
\set uid random(1, :users)
SELECT v.like_count, v.love_count, v.haha_count, v.wow_count, v.sad_count, v.pray_count, r.type
FROM videos AS v
LEFT JOIN video_reactions AS r ON r.video_id = v.id AND r.user_id = :uid
WHERE v.id = :hot_video AND v.is_published;
