// s3rver in a process of its own, for test/s3/s3-server.ts.
//
// Why a process: s3rver 3.7 signs ListObjectsV2 continuation tokens with DES,
// which OpenSSL 3 (Node 18+) only offers through its legacy provider; without
// it every listing past the first 1,000 keys is a 500. The flag
// (--openssl-legacy-provider) is given to this process only. It also keeps
// s3rver's work off the test's thread.
//
// argv: <directory>. Prints {"port": N} once listening; exits when its stdin
// closes (the test process ended) or on SIGTERM.
import S3rver from 's3rver';

const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: process.argv[2] });
const { port } = await server.run();
process.stdout.write(`${JSON.stringify({ port })}\n`);
const stop = () => server.close().finally(() => process.exit(0));
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
