// Workers only, in place of `pg-native` (wrangler.toml [alias]): libpq bindings, a Node addon
// pg loads only if someone asks for `pg.native`, which nothing here does. A Worker cannot load
// an addon: asking is a mistake, said so.
throw new Error('pg-native (libpq) does not run on Workers: use pg over TCP');
