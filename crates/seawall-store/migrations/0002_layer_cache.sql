-- seawall fleet schema, version 2: the shared per-layer fact cache.
-- Keyed like the local cache (verified layer digest + analyzer names and versions + options), so a
-- base layer shared by many images is walked once for the whole fleet.
CREATE TABLE layer_cache (
    key         text PRIMARY KEY,
    walk        bytea NOT NULL,
    walk_sha256 text NOT NULL,
    size        integer NOT NULL,
    hits        bigint NOT NULL DEFAULT 0,
    -- How many walks tried to store this entry: 1 when every scanner waited for the first walk.
    writes      integer NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    last_used   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX layer_cache_last_used ON layer_cache (last_used);
