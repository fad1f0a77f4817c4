// The Docker API's HTTP/1.1 client (src/sources/dockerApi/http1.ts) against a scripted server on a unix socket:
// every framing RFC 9112 allows an answer, bytes arriving one at a time, connections reused or not, and every way
// an answer can go wrong (cut off, too big, never, not HTTP, a kept-alive connection closed while idle).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Http1Client, Http1Error, type Http1Failure } from '../../src/sources/dockerApi/http1.js';

/** What the server does with one request: `n` counts requests on that connection, from 0. */
type Script = (socket: net.Socket, request: string, n: number) => void;

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dockersec-http1-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Servers of the running test, closed after it whether it passed or not (an open one keeps the file running). */
const running: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const s of running.splice(0)) await s.close();
});

/** Polls until `cond` holds: what the other side did takes a turn or two of its event loop, longer on a busy machine. */
async function until(cond: () => boolean, what: string): Promise<void> {
  for (const started = Date.now(); !cond(); await sleep(2))
    if (Date.now() - started > 3_000) assert.fail(`never: ${what}`);
}

let serial = 0;
async function server(script: Script) {
  const path = join(dir, `s${serial++}.sock`);
  const requests: string[] = [];
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const srv = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {}); // the client may reset a connection it gave up on
    let buf = '';
    let n = 0;
    socket.on('data', (d) => {
      buf += d.toString('latin1');
      for (let end = buf.indexOf('\r\n\r\n'); end >= 0; end = buf.indexOf('\r\n\r\n')) {
        const request = buf.slice(0, end + 4);
        buf = buf.slice(end + 4);
        requests.push(request);
        script(socket, request, n++);
      }
    });
  });
  await new Promise<void>((r) => srv.listen(path, r));
  const client = new Http1Client(() => net.connect({ path }), 'localhost', 'test-agent');
  const handle = {
    client,
    requests,
    get connections() {
      return connections;
    },
    get open() {
      return sockets.size;
    },
    sockets,
    async close() {
      client.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => srv.close(() => r()));
    },
  };
  running.push(handle);
  return handle;
}

const LIMITS = { timeoutMs: 2_000, maxBodyBytes: 1024 };
const ok = (body: string, extra = '') =>
  `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n${extra}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

/** Sends `text` one byte at a time, each in its own write and turn of the event loop. */
async function dribble(socket: net.Socket, text: string): Promise<void> {
  for (const byte of Buffer.from(text, 'latin1')) {
    if (socket.destroyed) return;
    socket.write(Buffer.from([byte]));
    await sleep(1);
  }
}

async function failure(p: Promise<unknown>): Promise<Http1Failure> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof Http1Error, `not an Http1Error: ${e}`);
    return e.failure;
  }
  assert.fail('the request succeeded');
}

describe('http1: answers', () => {
  test('a Content-Length answer; the connection is kept and reused; the request is what Node would send', async () => {
    const s = await server((socket) =>
      socket.write(ok('{"a":1}', 'Api-Version: 1.41\r\nX-A: 1\r\nx-a: 2\r\n')),
    );
    const a = await s.client.request('GET', '/v1.41/info', LIMITS);
    assert.equal(a.status, 200);
    assert.equal(a.body.toString(), '{"a":1}');
    assert.equal(a.headers['api-version'], '1.41');
    assert.equal(a.headers['x-a'], '1, 2');
    await s.client.request('GET', '/_ping', LIMITS);
    assert.equal(s.connections, 1);
    assert.equal(
      s.requests[0],
      'GET /v1.41/info HTTP/1.1\r\nHost: localhost\r\nUser-Agent: test-agent\r\n\r\n',
    );
    await s.close();
  });

  test('chunked, one byte at a time, with chunk extensions and trailer fields', async () => {
    const body = '{"Id":"abc","HostConfig":{"Privileged":true}}';
    const s = await server((socket) => {
      void dribble(
        socket,
        `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${(10).toString(16)};ext=1\r\n${body.slice(0, 10)}\r\n` +
          `${(body.length - 10).toString(16).toUpperCase()}\r\n${body.slice(10)}\r\n0\r\nX-Trailer: t\r\n\r\n`,
      );
    });
    const a = await s.client.request('GET', '/containers/abc/json', LIMITS);
    assert.equal(a.body.toString(), body);
    // Kept alive after a chunked answer.
    await s.client.request('GET', '/containers/abc/json', LIMITS);
    assert.equal(s.connections, 1);
    await s.close();
  });

  test('a body that runs to the close is complete at the close, and the connection is not reused', async () => {
    const s = await server((socket) => socket.end('HTTP/1.1 200 OK\r\n\r\n{"x":true}'));
    assert.equal((await s.client.request('GET', '/a', LIMITS)).body.toString(), '{"x":true}');
    await s.client.request('GET', '/a', LIMITS);
    assert.equal(s.connections, 2);
    await s.close();
  });

  test('no body after HEAD, 204 and 304; an interim 100 is skipped', async () => {
    const s = await server((socket, request) => {
      if (request.startsWith('HEAD')) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n');
      else if (request.includes('/204')) socket.write('HTTP/1.1 204 No Content\r\n\r\n');
      else if (request.includes('/304'))
        socket.write('HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n');
      else socket.write(`HTTP/1.1 100 Continue\r\n\r\n${ok('{}')}`);
    });
    assert.equal((await s.client.request('HEAD', '/_ping', LIMITS)).body.length, 0);
    assert.equal((await s.client.request('GET', '/204', LIMITS)).status, 204);
    assert.equal((await s.client.request('GET', '/304', LIMITS)).status, 304);
    const a = await s.client.request('GET', '/c', LIMITS);
    assert.equal(a.status, 200);
    assert.equal(a.body.toString(), '{}');
    assert.equal(s.connections, 1);
    await s.close();
  });

  test('"Connection: close" and an HTTP/1.0 answer without keep-alive end the connection', async () => {
    const s = await server((socket, request) =>
      socket.write(
        request.includes('/old')
          ? 'HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n{}'
          : ok('{}', 'Connection: close\r\n'),
      ),
    );
    await s.client.request('GET', '/a', LIMITS);
    await s.client.request('GET', '/old', LIMITS);
    await s.client.request('GET', '/a', LIMITS);
    assert.equal(s.connections, 3);
    await s.close();
  });

  test('a body exactly at the cap, in each framing; an empty body; fields named like Object members', async () => {
    const body = 'y'.repeat(LIMITS.maxBodyBytes);
    const s = await server((socket, request) => {
      if (request.includes('/length')) socket.write(ok(body, 'Constructor: c\r\n__proto__: p\r\n'));
      else if (request.includes('/chunked'))
        socket.write(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n400\r\n${body}\r\n0\r\n\r\n`);
      else if (request.includes('/empty')) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
      else socket.end(`HTTP/1.1 200 OK\r\n\r\n${body}`);
    });
    const a = await s.client.request('GET', '/length', LIMITS);
    assert.equal(a.body.length, LIMITS.maxBodyBytes);
    assert.equal(a.headers.constructor, 'c');
    assert.equal(a.headers['__proto__'.toString()], 'p');
    assert.equal((await s.client.request('GET', '/chunked', LIMITS)).body.toString(), body);
    assert.equal((await s.client.request('GET', '/close', LIMITS)).body.toString(), body);
    assert.equal((await s.client.request('GET', '/empty', LIMITS)).body.length, 0);
    await s.close();
  });

  test('both Transfer-Encoding and Content-Length: chunked wins, and the connection is not reused', async () => {
    const s = await server((socket) =>
      socket.write(
        'HTTP/1.1 200 OK\r\nContent-Length: 99\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n',
      ),
    );
    assert.equal((await s.client.request('GET', '/a', LIMITS)).body.toString(), '{}');
    await s.client.request('GET', '/a', LIMITS);
    assert.equal(s.connections, 2);
    await s.close();
  });

  test('an error status is an answer, with its body', async () => {
    const s = await server((socket) =>
      socket.write('HTTP/1.1 404 Not Found\r\nContent-Length: 27\r\n\r\n{"message":"No such thing"}'),
    );
    const a = await s.client.request('GET', '/containers/x/json', LIMITS);
    assert.equal(a.status, 404);
    assert.equal(JSON.parse(a.body.toString()).message, 'No such thing');
    await s.close();
  });

  test('twenty requests at once each get their own answer; a few connections stay open', async () => {
    const s = await server((socket, request) => {
      const id = /\/c\/(\d+)/.exec(request)![1]!;
      setTimeout(() => socket.write(ok(`{"id":${id}}`)), Number(id) % 5);
    });
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => s.client.request('GET', `/c/${i}`, LIMITS)),
    );
    assert.deepEqual(
      answers.map((a) => JSON.parse(a.body.toString()).id),
      Array.from({ length: 20 }, (_, i) => i),
    );
    await until(() => s.open <= 4, `at most 4 connections open (${s.open})`);
    await s.close();
  });
});

describe('http1: failures', () => {
  test('cut off: in a Content-Length body, in a chunked body, before the headers ended, before any byte', async () => {
    const s = await server((socket, request) => {
      if (request.includes('/length')) socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789');
      else if (request.includes('/chunked'))
        socket.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n10\r\nxyz');
      else if (request.includes('/headers')) socket.end('HTTP/1.1 200 OK\r\nContent-Le');
      else socket.destroy();
    });
    for (const [target, received] of [
      ['/length', 10],
      ['/chunked', 8],
    ] as const)
      assert.deepEqual(await failure(s.client.request('GET', target, LIMITS)), { kind: 'cutOff', received });
    for (const target of ['/headers', '/nothing']) {
      const f = await failure(s.client.request('GET', target, LIMITS));
      assert.equal(f.kind, 'connection');
      assert.match((f as { cause: Error }).cause.message, /socket hang up/);
    }
    await s.close();
  });

  test('too big: a declared length over the cap at once, a chunked or close-delimited body when it passes the cap', async () => {
    const big = 'x'.repeat(600);
    const s = await server((socket, request) => {
      if (request.includes('/declared')) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n');
      else if (request.includes('/chunked'))
        socket.write(
          `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n258\r\n${big}\r\n258\r\n${big}\r\n0\r\n\r\n`,
        );
      else socket.write(`HTTP/1.1 200 OK\r\n\r\n${big}${big}`);
    });
    // A declared length is refused as declared; a chunk that would pass the cap before it is read.
    for (const [target, received] of [
      ['/declared', 5000],
      ['/chunked', 600],
      ['/close', 1200],
    ] as const)
      assert.deepEqual(await failure(s.client.request('GET', target, LIMITS)), { kind: 'tooBig', received });
    await until(() => s.open === 0, 'every connection of a refused answer closed');
    await s.close();
  });

  test('no answer within the deadline: a timeout, and the connection is closed', async () => {
    const s = await server(() => {});
    const started = Date.now();
    assert.deepEqual(await failure(s.client.request('GET', '/info', { ...LIMITS, timeoutMs: 150 })), {
      kind: 'timeout',
    });
    assert.ok(Date.now() - started < 1_000);
    await until(() => s.open === 0, 'the connection closed');
    await s.close();
  });

  test('the deadline covers a body that trickles in', async () => {
    const s = await server((socket) => {
      void dribble(socket, ok('{"slow":"answer, one byte every millisecond or more"}'));
    });
    assert.deepEqual(await failure(s.client.request('GET', '/info', { ...LIMITS, timeoutMs: 40 })), {
      kind: 'timeout',
    });
    await s.close();
  });

  test('a kept-alive connection closed while idle: the request is sent again once, on a new connection', async () => {
    const s = await server((socket) => {
      socket.write(ok('{}'));
      // The peer closes the connection right after the answer, without saying so in a header.
      setTimeout(() => socket.destroy(), 5);
    });
    await s.client.request('GET', '/a', LIMITS);
    await until(() => s.client.idleConnections === 0, 'the close noticed');
    // The client noticed the close while idle: a new connection, no retry needed.
    await s.client.request('GET', '/a', LIMITS);
    assert.equal(s.connections, 2);
    await s.close();

    // Not noticed in time (the close races the next request): sent again once.
    let answered = 0;
    const r = await server((socket, _request, n) => {
      if (n === 0 && answered++ === 0) socket.write(ok('{}'));
      else socket.destroy();
    });
    await r.client.request('GET', '/a', LIMITS);
    const f = await failure(r.client.request('GET', '/b', LIMITS));
    // The first connection dies unanswered (reused: retried), the second too (new: a failure).
    assert.equal(f.kind, 'connection');
    assert.equal(r.connections, 2);
    assert.equal(r.requests.length, 3);
    await r.close();
  });

  test('not HTTP: a bad status line, a bad header line, a bad or conflicting length, a bad chunk', async () => {
    const answers: Record<string, string> = {
      '/status': 'HTTP/2 200 OK\r\n\r\n',
      '/garbage': 'SSH-2.0-OpenSSH_9.2\r\n\r\n',
      '/header': 'HTTP/1.1 200 OK\r\nno colon here\r\n\r\n',
      '/fold': 'HTTP/1.1 200 OK\r\nA: 1\r\n folded\r\n\r\n',
      '/space': 'HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\n{}',
      '/length': 'HTTP/1.1 200 OK\r\nContent-Length: 2x\r\n\r\n{}',
      '/lengths': 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}',
      '/chunk': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      '/chunkend': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}XX0\r\n\r\n',
      '/coding': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip, chunked\r\n\r\n',
      '/switch': 'HTTP/1.1 101 Switching Protocols\r\n\r\n',
      '/old-chunked': 'HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n',
    };
    const s = await server((socket, request) => socket.write(answers[request.split(' ')[1]!]!));
    for (const target of Object.keys(answers)) {
      const f = await failure(s.client.request('GET', target, LIMITS));
      assert.equal(f.kind, 'protocol', `${target}: ${JSON.stringify(f)}`);
    }
    await until(() => s.open === 0, 'no connection that spoke nonsense left open');
    await s.close();
  });

  test('headers past 16 KiB are refused', async () => {
    const s = await server((socket) =>
      socket.write(`HTTP/1.1 200 OK\r\nX: ${'a'.repeat(17 * 1024)}\r\n\r\n`),
    );
    const f = await failure(s.client.request('GET', '/big', LIMITS));
    assert.equal(f.kind, 'protocol');
    await s.close();
  });

  test('bytes after a complete answer: the answer stands, the connection is not reused', async () => {
    const s = await server((socket) => socket.write(`${ok('{}')}HTTP/1.1 200 OK\r\n`));
    assert.equal((await s.client.request('GET', '/a', LIMITS)).body.toString(), '{}');
    await s.client.request('GET', '/a', LIMITS);
    assert.equal(s.connections, 2);
    await s.close();
  });

  test('a target with spaces or line breaks is refused before anything is sent', async () => {
    const s = await server((socket) => socket.write(ok('{}')));
    for (const target of ['/a b', '/a\r\nX-Injected: 1', 'relative', '/é'])
      assert.equal((await failure(s.client.request('GET', target, LIMITS))).kind, 'target');
    assert.equal(s.requests.length, 0);
    await s.close();
  });

  test('a socket that is not there fails with the connect error', async () => {
    const client = new Http1Client(() => net.connect({ path: join(dir, 'absent.sock') }), 'localhost', 'x');
    const f = await failure(client.request('GET', '/_ping', LIMITS));
    assert.equal(f.kind, 'connection');
    assert.match((f as { cause: Error }).cause.message, /connect ENOENT .*absent\.sock/);
    client.close();
  });

  test('close() fails the requests in flight, even a body that runs to the close; the client still works', async () => {
    const s = await server((socket, request) => {
      if (request.includes('/partial')) socket.write('HTTP/1.1 200 OK\r\n\r\n{"partial":');
      else if (request.includes('/ok')) socket.write(ok('{}'));
    });
    const pending = failure(s.client.request('GET', '/info', LIMITS));
    const partial = failure(s.client.request('GET', '/partial', LIMITS));
    await until(() => s.requests.length === 2, 'both requests at the server');
    await sleep(30);
    s.client.close();
    assert.equal((await pending).kind, 'connection');
    assert.deepEqual(await partial, {
      kind: 'cutOff',
      received: 11,
      cause: ((await partial) as { cause: Error }).cause,
    });
    assert.equal((await s.client.request('GET', '/ok', LIMITS)).status, 200);
    await s.close();
  });

  test('all idle connections closed at once (a restarted daemon): the request goes out once more, on a new one', async () => {
    const s = await server((socket, request) => {
      if (request.includes('/slow')) setTimeout(() => socket.write(ok('{}')), 20);
      else socket.write(ok('{}'));
    });
    // Three connections in the pool.
    await Promise.all([1, 2, 3].map(() => s.client.request('GET', '/slow', LIMITS)));
    assert.equal(s.client.idleConnections, 3);
    // The server side drops them all; the client has not read the closes yet when it sends.
    let resent = 0;
    const sent = s.connections;
    // Keep the event loop from running between the destroys and the request.
    for (const socket of s.sockets) socket.destroy();
    // Busy for a moment: the closes reach the client's sockets but are not read before the request goes out.
    const start = Date.now();
    while (Date.now() - start < 30) Math.random();
    const a = await s.client.request('GET', '/a', { ...LIMITS, onResend: () => resent++ });
    assert.equal(a.status, 200);
    assert.ok(resent <= 1, `sent again ${resent} times`);
    assert.equal(s.connections, sent + 1);
    await s.close();
  });

  test('a reused connection that ends partway through an answer is not retried: the answer is cut off', async () => {
    const s = await server((socket, _request, n) => {
      if (n === 0) socket.write(ok('{}'));
      else socket.end('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{"a"');
    });
    await s.client.request('GET', '/a', LIMITS);
    let resent = 0;
    assert.deepEqual(await failure(s.client.request('GET', '/b', { ...LIMITS, onResend: () => resent++ })), {
      kind: 'cutOff',
      received: 4,
    });
    assert.equal(resent, 0);
    assert.equal(s.connections, 1);
    await s.close();
  });

  test('the deadline covers the second attempt too', async () => {
    let connection = 0;
    const s = await server((socket, _request, n) => {
      if (n === 0) connection++;
      // The first connection answers once, then drops the next request unanswered; the second never answers.
      if (connection === 1 && n === 0) socket.write(ok('{}'));
      else if (connection === 1) socket.destroy();
    });
    await s.client.request('GET', '/a', LIMITS);
    let resent = 0;
    const started = Date.now();
    const f = await failure(
      s.client.request('GET', '/b', { ...LIMITS, timeoutMs: 200, onResend: () => resent++ }),
    );
    assert.deepEqual(f, { kind: 'timeout' });
    assert.equal(resent, 1);
    assert.ok(Date.now() - started < 1_000);
    assert.equal(s.connections, 2);
    await s.close();
  });

  test('bytes on an idle connection: it leaves the pool', async () => {
    let first: net.Socket | undefined;
    const s = await server((socket) => {
      first ??= socket;
      socket.write(ok('{}'));
    });
    await s.client.request('GET', '/a', LIMITS);
    assert.equal(s.client.idleConnections, 1);
    first!.write('HTTP/1.1 200 OK\r\n');
    await until(() => s.client.idleConnections === 0, 'the connection out of the pool');
    await s.client.request('GET', '/a', LIMITS);
    assert.equal(s.connections, 2);
    await s.close();
  });
});
