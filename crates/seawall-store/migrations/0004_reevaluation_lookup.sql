-- seawall fleet schema, version 4: the open findings of one image and package, looked up once per
-- re-matched (image, advisory, package) — without it each lookup scanned every open row of the image.
CREATE INDEX image_advisories_open_image_package ON image_advisories (image_id, package_id)
    WHERE closed_at IS NULL;
