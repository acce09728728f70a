-- W0 floor: what every authenticated request reads, the viewer's row.
\set uid random(1, :users)
SELECT id, display_name, avatar_url, created_at FROM users WHERE id = :uid;
