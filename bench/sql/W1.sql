-- W1 floor: one query for a page of the last 50 messages of a conversation, checked against the
-- viewer's participation, joined to their senders and shared (published) videos.
\set conversation random(1, :conversations)
\set uid 2 * :conversation - 1 + random(0, 1)
SELECT m.id, m.type, m.body, m.media_url, m.created_at,
       u.id AS sender_id, u.display_name,
       v.id AS video_id, v.title, v.thumbnail_url, v.duration_seconds
FROM (
    SELECT * FROM messages
    WHERE conversation_id = :conversation
      AND EXISTS (SELECT 1 FROM conversation_participants AS p
                  WHERE p.conversation_id = :conversation AND p.user_id = :uid)
    ORDER BY id DESC
    LIMIT 50
) AS m
JOIN users AS u ON u.id = m.sender_id
LEFT JOIN videos AS v ON v.id = m.shared_video_id AND v.is_published
ORDER BY m.id DESC;
