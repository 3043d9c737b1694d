// Runs s3rver in its own Node process, started with --openssl-legacy-provider: s3rver encrypts
// ListObjectsV2 continuation tokens with DES, which OpenSSL 3 only offers through the legacy
// provider, and that flag only takes effect at process start. Reports its port and each S3
// event record to the parent over IPC.
import S3rver from 's3rver';

const { directory, buckets } = JSON.parse(process.argv[2]);
const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory,
  configureBuckets: buckets.map((name) => ({ name })),
});
server.on('event', (event) => process.send?.({ type: 'event', event }));
const address = await server.run();
process.send?.({ type: 'ready', port: address.port });
process.on('message', async (message) => {
  if (message?.type === 'stop') {
    await server.close();
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
