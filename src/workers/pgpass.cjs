// Workers only, in place of the `pgpass` package (wrangler.toml [alias]): pg asks it for a
// password from ~/.pgpass when the connection string has none. A Worker has no home directory,
// and Hyperdrive's connection string always carries the password: there is never one to find.
// Keeping the real package would pull `fs` into the bundle.
module.exports = function pgpass(_connection, callback) {
  callback(undefined);
};
