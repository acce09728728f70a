-- The peer's own schema (bench_peer): SQL functions PostGraphile exposes next to the tables, for the
-- operations its amber preset cannot answer from the tables alone. Created by the benchmark
-- (bench/peer/schema.py) in the benchmark database, dropped and recreated on every run; never part of
-- the product's migrations. Each function reads the viewer from the `jwt.claims.sub` setting that
-- graphile.config.mjs sets from the verified bearer token (PostGraphile's pgSettings), so the
-- peer, like our server, acts as the token's user. The SQL is the floor's (bench/sql/W*.sql).
DROP SCHEMA IF EXISTS bench_peer CASCADE;
CREATE SCHEMA bench_peer;

-- The verified token's user, or null without one.
CREATE FUNCTION bench_peer.viewer_id() RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT nullif(current_setting('jwt.claims.sub', true), '')::bigint
$$;

-- W0: `viewer { rowId }`, the token's user if it exists (one lookup, as a cold viewer costs us).
CREATE FUNCTION bench_peer.viewer() RETURNS public.users LANGUAGE sql STABLE AS $$
    SELECT u.* FROM public.users AS u WHERE u.id = bench_peer.viewer_id()
$$;

-- W1: a conversation's newest 50 messages, empty unless the viewer takes part in it (membership is
-- part of the page's SQL, as in ours). Sender and shared video come from PostGraphile's relations.
CREATE FUNCTION bench_peer.messages_page(conversation_id bigint) RETURNS SETOF public.messages
LANGUAGE sql STABLE AS $$
    SELECT m.* FROM public.messages AS m
    WHERE m.conversation_id = messages_page.conversation_id
      AND EXISTS (SELECT 1 FROM public.conversation_participants AS p
                  WHERE p.conversation_id = messages_page.conversation_id
                    AND p.user_id = bench_peer.viewer_id())
    ORDER BY m.id DESC
    LIMIT 50
$$;

-- W2: the floor's merging upsert of a progress reading, for a published video only (else null).
CREATE FUNCTION bench_peer.save_video_progress(
    video_id bigint, watched_seconds integer, duration_seconds integer, last_position integer
) RETURNS public.video_progress LANGUAGE sql VOLATILE AS $$
    INSERT INTO public.video_progress AS p (user_id, video_id, watched_seconds, last_position,
                                            duration_seconds, completed, recorded_at, updated_at)
    SELECT bench_peer.viewer_id(), v.id, save_video_progress.watched_seconds,
           save_video_progress.last_position, save_video_progress.duration_seconds, false, now(), now()
    FROM public.videos AS v
    WHERE v.id = save_video_progress.video_id AND v.is_published AND bench_peer.viewer_id() IS NOT NULL
    ON CONFLICT (user_id, video_id) DO UPDATE SET
        watched_seconds = GREATEST(p.watched_seconds, excluded.watched_seconds),
        completed = p.completed OR excluded.completed,
        last_position = CASE WHEN excluded.recorded_at >= p.recorded_at
                             THEN excluded.last_position ELSE p.last_position END,
        duration_seconds = CASE WHEN excluded.recorded_at >= p.recorded_at
                                THEN excluded.duration_seconds ELSE p.duration_seconds END,
        recorded_at = GREATEST(p.recorded_at, excluded.recorded_at),
        updated_at = excluded.updated_at
    RETURNING p.*
$$;

-- The counts of a video by reaction type, and W3's and W4's answers built on them.
CREATE TYPE bench_peer.reaction_counts AS (
    "like" integer, love integer, haha integer, wow integer, sad integer, pray integer, total integer
);
CREATE TYPE bench_peer.toggle_result AS (action text, type text, counts bench_peer.reaction_counts);
CREATE TYPE bench_peer.video_state AS (
    id bigint, counts bench_peer.reaction_counts, viewer_reaction text
);

-- W3: the floor's toggle (lock the video, then one statement adds, changes or removes the viewer's
-- reaction and moves the counters), and what it did. Null for an unknown or unpublished video.
CREATE FUNCTION bench_peer.toggle_video_reaction(video_id bigint, type text)
RETURNS bench_peer.toggle_result LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    viewer bigint := bench_peer.viewer_id();
    wanted varchar := lower(toggle_video_reaction.type);
    previous varchar;
    counts bench_peer.reaction_counts;
BEGIN
    IF viewer IS NULL OR wanted NOT IN ('like', 'love', 'haha', 'wow', 'sad', 'pray') THEN
        RAISE EXCEPTION 'no viewer or an unknown reaction type' USING ERRCODE = '22023';
    END IF;
    PERFORM 1 FROM public.videos AS v
    WHERE v.id = toggle_video_reaction.video_id AND v.is_published FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    SELECT r.type INTO previous FROM public.video_reactions AS r
    WHERE r.user_id = viewer AND r.video_id = toggle_video_reaction.video_id;
    IF previous IS NULL THEN
        INSERT INTO public.video_reactions (user_id, video_id, type, created_at, updated_at)
        VALUES (viewer, toggle_video_reaction.video_id, wanted, now(), now());
    ELSIF previous = wanted THEN
        DELETE FROM public.video_reactions AS r
        WHERE r.user_id = viewer AND r.video_id = toggle_video_reaction.video_id;
    ELSE
        UPDATE public.video_reactions AS r SET type = wanted, updated_at = now()
        WHERE r.user_id = viewer AND r.video_id = toggle_video_reaction.video_id;
    END IF;
    UPDATE public.videos AS v SET
        like_count = v.like_count + (wanted = 'like' AND previous IS DISTINCT FROM 'like')::int
                                  - (previous IS NOT DISTINCT FROM 'like')::int,
        love_count = v.love_count + (wanted = 'love' AND previous IS DISTINCT FROM 'love')::int
                                  - (previous IS NOT DISTINCT FROM 'love')::int,
        haha_count = v.haha_count + (wanted = 'haha' AND previous IS DISTINCT FROM 'haha')::int
                                  - (previous IS NOT DISTINCT FROM 'haha')::int,
        wow_count = v.wow_count + (wanted = 'wow' AND previous IS DISTINCT FROM 'wow')::int
                                - (previous IS NOT DISTINCT FROM 'wow')::int,
        sad_count = v.sad_count + (wanted = 'sad' AND previous IS DISTINCT FROM 'sad')::int
                                - (previous IS NOT DISTINCT FROM 'sad')::int,
        pray_count = v.pray_count + (wanted = 'pray' AND previous IS DISTINCT FROM 'pray')::int
                                  - (previous IS NOT DISTINCT FROM 'pray')::int
    WHERE v.id = toggle_video_reaction.video_id
    RETURNING v.like_count, v.love_count, v.haha_count, v.wow_count, v.sad_count, v.pray_count,
              v.like_count + v.love_count + v.haha_count + v.wow_count + v.sad_count + v.pray_count
    INTO counts;
    RETURN ROW(
        CASE WHEN previous IS NULL THEN 'ADDED' WHEN previous = wanted THEN 'REMOVED' ELSE 'CHANGED' END,
        upper(wanted), counts
    )::bench_peer.toggle_result;
END
$$;

-- W4: a published video's counters (kept on the row, never counted) and the viewer's reaction.
CREATE FUNCTION bench_peer.video_state(id bigint) RETURNS bench_peer.video_state
LANGUAGE sql STABLE AS $$
    SELECT v.id,
           ROW(v.like_count, v.love_count, v.haha_count, v.wow_count, v.sad_count, v.pray_count,
               v.like_count + v.love_count + v.haha_count + v.wow_count + v.sad_count + v.pray_count
           )::bench_peer.reaction_counts,
           upper(r.type)
    FROM public.videos AS v
    LEFT JOIN public.video_reactions AS r ON r.video_id = v.id AND r.user_id = bench_peer.viewer_id()
    WHERE v.id = video_state.id AND v.is_published
$$;

-- W5: the floor's insert of a text message by a participant, keeping the conversation's newest
-- message in step; null when the viewer does not take part in the conversation.
CREATE FUNCTION bench_peer.send_message(conversation_id bigint, body text)
RETURNS public.messages LANGUAGE sql VOLATILE AS $$
    WITH sent AS (
        INSERT INTO public.messages (conversation_id, sender_id, type, body, created_at)
        SELECT send_message.conversation_id, bench_peer.viewer_id(), 'text', send_message.body, now()
        WHERE EXISTS (SELECT 1 FROM public.conversation_participants AS p
                      WHERE p.conversation_id = send_message.conversation_id
                        AND p.user_id = bench_peer.viewer_id())
        RETURNING *
    ), moved AS (
        UPDATE public.conversations AS c SET last_message_id = GREATEST(c.last_message_id, sent.id)
        FROM sent WHERE c.id = sent.conversation_id
    )
    SELECT * FROM sent
$$;
