// Workers only, in place of Node's `fs` (wrangler.toml [alias]): pg-connection-string reads
// certificate files named by sslcert/sslkey/sslrootcert in a connection string. Hyperdrive's
// connection string names none, and a Worker has no files to read: any use is a mistake, said so.
const refuse = () => {
  throw new Error('no file system on Workers: a connection string may not name certificate files');
};
module.exports = { readFileSync: refuse };
