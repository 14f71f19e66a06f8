/**
 * Exit 0 when the S3 endpoint given answers a signed ListBuckets with the test credentials
 * (am-test-key, as scripts/services/ceph.sh creates them), so up.sh can reuse a gateway that
 * another checkout started instead of failing on its port.
 * Usage: bun scripts/services/s3-ready.ts http://127.0.0.1:7480
 */
import { ListBucketsCommand, S3Client } from "@aws-sdk/client-s3";

const endpoint = process.argv[2];
if (!endpoint) {
  console.error("usage: s3-ready.ts ENDPOINT");
  process.exit(2);
}
const client = new S3Client({
  endpoint,
  region: "us-east-1",
  forcePathStyle: true,
  credentials: { accessKeyId: "am-test-key", secretAccessKey: "am-test-secret" },
});
try {
  await client.send(new ListBucketsCommand({}), { abortSignal: AbortSignal.timeout(5_000) });
  process.exit(0);
} catch {
  process.exit(1);
}
