import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  AssetIntegrityError,
  AssetNotFoundError,
  InvalidAssetKeyError,
  S3AssetStore,
  S3RequestError,
  createAssetStore,
  sigV4Authorization,
} from '../../../src/assets';

const ACCESS_KEY = 'AKIDTEST';
const SECRET = 'secret/with+chars';
const BUCKET = 'mj-assets';
const sha = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
}

/** A loopback S3 that verifies SigV4 the way S3 does: recompute from what arrived on the wire, compare. */
function startFakeS3(): Promise<{
  url: string;
  server: Server;
  objects: Map<string, Buffer>;
  seen: Seen[];
  failNext: number[];
}> {
  const objects = new Map<string, Buffer>();
  const seen: Seen[] = [];
  const failNext: number[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      seen.push({ method: req.method!, url: req.url!, headers: req.headers });
      const reply = (status: number, code?: string, payload?: Buffer): void => {
        res.statusCode = status;
        res.end(code ? `<?xml version="1.0"?><Error><Code>${code}</Code></Error>` : payload);
      };
      const forced = failNext.shift();
      if (forced) return reply(forced, 'InternalError');
      const auth = String(req.headers.authorization ?? '');
      const m =
        /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request,SignedHeaders=([^,]+),Signature=([0-9a-f]{64})$/.exec(
          auth
        );
      if (!m || m[1] !== ACCESS_KEY) return reply(403, 'AccessDenied');
      const signedNames = m[4].split(';');
      for (const required of ['host', 'x-amz-content-sha256', 'x-amz-date']) {
        if (!signedNames.includes(required)) return reply(403, 'AccessDenied');
      }
      const headers = Object.fromEntries(signedNames.map((n) => [n, String(req.headers[n] ?? '')]));
      const expected = sigV4Authorization(
        { method: req.method!, path: req.url!, headers },
        { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET, region: m[3] }
      );
      if (expected !== auth) return reply(403, 'SignatureDoesNotMatch');
      if (req.headers['x-amz-content-sha256'] !== sha(body)) return reply(400, 'XAmzContentSHA256Mismatch');
      const key = req.url!;
      if (req.method === 'PUT') {
        objects.set(key, body);
        return reply(200);
      }
      const obj = objects.get(key);
      if (!obj) return reply(404, 'NoSuchKey');
      res.setHeader('content-length', obj.length);
      return req.method === 'HEAD' ? reply(200) : reply(200, undefined, obj);
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}`, server, objects, seen, failNext });
    })
  );
}

describe('sigV4Authorization', () => {
  it('reproduces the AWS documentation example (GET Object with Range)', () => {
    const auth = sigV4Authorization(
      {
        method: 'GET',
        path: '/test.txt',
        headers: {
          host: 'examplebucket.s3.amazonaws.com',
          range: 'bytes=0-9',
          'x-amz-content-sha256': sha(''),
          'x-amz-date': '20130524T000000Z',
        },
      },
      {
        accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
        secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
        region: 'us-east-1',
      }
    );
    expect(auth).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,' +
        'SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,' +
        'Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41'
    );
  });
});

describe('S3AssetStore against a loopback fake S3', () => {
  let s3: Awaited<ReturnType<typeof startFakeS3>>;
  let store: S3AssetStore;

  beforeAll(async () => {
    s3 = await startFakeS3();
  });
  afterAll(async () => {
    await new Promise((r) => s3.server.close(r));
  });
  beforeEach(() => {
    s3.objects.clear();
    s3.seen.length = 0;
    store = new S3AssetStore({ endpoint: s3.url, bucket: BUCKET, accessKeyId: ACCESS_KEY, secretAccessKey: SECRET });
  });

  it('PUTs path-style with signed headers, then GETs and HEADs the object back', async () => {
    const bytes = new Uint8Array(Buffer.from('png bytes'));
    const ref = await store.put(bytes, { contentType: 'image/png', prefix: 'images/job-1' });
    expect(ref).toEqual({
      key: `images/job-1/${sha(bytes)}.png`,
      sha256: sha(bytes),
      size: 9,
      contentType: 'image/png',
    });

    const put = s3.seen[0];
    expect(put.method).toBe('PUT');
    expect(put.url).toBe(`/${BUCKET}/images/job-1/${sha(bytes)}.png`);
    expect(put.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDTEST\/\d{8}\/us-east-1\/s3\/aws4_request,SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date,Signature=[0-9a-f]{64}$/
    );
    expect(put.headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
    expect(put.headers['x-amz-content-sha256']).toBe(sha(bytes));
    expect(put.headers['content-type']).toBe('image/png');

    expect(Buffer.from(await store.get(ref)).toString()).toBe('png bytes');
    expect(await store.has(ref.key)).toBe(true);
    expect(s3.seen.map((s) => s.method)).toEqual(['PUT', 'GET', 'HEAD']);
    expect(s3.seen[1].headers['x-amz-content-sha256']).toBe(sha(''));
    expect(store.locate(ref)).toBe(`${s3.url}/${BUCKET}/${ref.key}`);
  });

  it('is idempotent: the same bytes give the same key and one object', async () => {
    const bytes = new Uint8Array([1, 2, 3]);
    const a = await store.put(bytes, { contentType: 'image/png', prefix: 'p' });
    const b = await store.put(bytes, { contentType: 'image/png', prefix: 'p' });
    expect(b).toEqual(a);
    expect(s3.objects.size).toBe(1);
  });

  it('maps 404 to AssetNotFoundError on get and false on has', async () => {
    const key = `p/${'0'.repeat(64)}.png`;
    await expect(store.get(key)).rejects.toBeInstanceOf(AssetNotFoundError);
    expect(await store.has(key)).toBe(false);
  });

  it('is rejected by the server when signed with the wrong secret', async () => {
    const bad = new S3AssetStore({
      endpoint: s3.url,
      bucket: BUCKET,
      accessKeyId: ACCESS_KEY,
      secretAccessKey: 'wrong',
    });
    const err = await bad.put(new Uint8Array([1]), { contentType: 'image/png', prefix: 'p' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(S3RequestError);
    expect(err).toMatchObject({ status: 403, retryable: false });
    await expect(bad.get(`p/${'0'.repeat(64)}.png`)).rejects.toMatchObject({
      status: 403,
      s3Code: 'SignatureDoesNotMatch',
    });
  });

  it('signs the session token when one is configured', async () => {
    const sts = new S3AssetStore({
      endpoint: s3.url,
      bucket: BUCKET,
      accessKeyId: ACCESS_KEY,
      secretAccessKey: SECRET,
      sessionToken: 'tok',
    });
    await sts.put(new Uint8Array([5]), { contentType: 'image/png', prefix: 'p' });
    expect(s3.seen[0].headers['x-amz-security-token']).toBe('tok');
    expect(s3.seen[0].headers.authorization).toContain('x-amz-security-token');
  });

  it('marks 5xx as retryable', async () => {
    s3.failNext.push(503);
    await expect(store.put(new Uint8Array([1]), { contentType: 'image/png', prefix: 'p' })).rejects.toMatchObject({
      name: 'S3RequestError',
      status: 503,
      retryable: true,
    });
  });

  it('detects an object whose bytes do not match its key', async () => {
    const ref = await store.put(new Uint8Array([1, 2]), { contentType: 'image/png', prefix: 'p' });
    s3.objects.set(`/${BUCKET}/${ref.key}`, Buffer.from([9, 9]));
    await expect(store.get(ref)).rejects.toBeInstanceOf(AssetIntegrityError);
  });

  it('rejects traversal keys without sending anything', async () => {
    await expect(store.get('../other-bucket/x.png')).rejects.toBeInstanceOf(InvalidAssetKeyError);
    await expect(store.has('p/../../x')).rejects.toBeInstanceOf(InvalidAssetKeyError);
    expect(s3.seen).toHaveLength(0);
  });

  it('createAssetStore builds an S3 store from config', async () => {
    const s = createAssetStore({
      kind: 's3',
      endpoint: s3.url,
      bucket: BUCKET,
      accessKeyId: ACCESS_KEY,
      secretAccessKey: SECRET,
    });
    const ref = await s.put(new Uint8Array([8]), { contentType: 'image/webp', prefix: 'x' });
    expect(await s.has(ref)).toBe(true);
    expect(() =>
      createAssetStore({ kind: 's3', endpoint: 'ftp://x', bucket: BUCKET, accessKeyId: 'a', secretAccessKey: 'b' })
    ).toThrow(TypeError);
  });
});
