-- W5 floor: the insert of a text message by a participant, and the conversation's newest message
-- kept in step, in one statement.
\set conversation random(1, :conversations)
\set uid 2 * :conversation - 1 + random(0, 1)
\set n random(1, 1000000000)
WITH sent AS (
    INSERT INTO messages (conversation_id, sender_id, type, body, created_at)
    SELECT :conversation::bigint, :uid::bigint, 'text', 'Bench message ' || :n, now()
    WHERE EXISTS (SELECT 1 FROM conversation_participants
                  WHERE conversation_id = :conversation AND user_id = :uid)
    RETURNING id, conversation_id
)
UPDATE conversations AS c SET last_message_id = GREATEST(c.last_message_id, sent.id)
FROM sent
WHERE c.id = sent.conversation_id
RETURNING sent.id;
