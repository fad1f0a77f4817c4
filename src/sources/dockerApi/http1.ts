// A small HTTP/1.1 client for the Docker API over a unix socket or plain TCP: GET and HEAD only, one request at a
// time on each kept-alive connection. Node's own client (ClientRequest, IncomingMessage streams, the agent) cost
// about 0.3 ms of main-thread CPU per request on the 2-core machines, 320-370 ms for the 1,000 inspects of a
// 1,000-container resync, against 120-135 ms for this one (issue 12; bench/README numbers). Node's client stays
// for TLS endpoints and for the events stream (transport.ts).
//
// It reads answers the way RFC 9112 says: a status line, header fields, then a body framed by chunked transfer
// coding, by Content-Length, or by the end of the connection; none after HEAD, 1xx, 204 or 304. Anything else is a
// protocol failure, never a guess. Failures are typed (Http1Failure); transport.ts words them (a timeout, a cut-off
// body, an answer over the cap and a connection error read as they do from Node's client; a protocol failure says
// what was wrong instead of llhttp's "Parse Error").
import type net from 'node:net';

export interface Http1Answer {
  readonly status: number;
  /** Field names in lower case; repeated fields joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

export interface Http1Limits {
  /** The whole exchange: connecting, sending, the headers and the body, a second attempt included. */
  readonly timeoutMs: number;
  readonly maxBodyBytes: number;
  /** Called when the request is sent a second time (see `request`), so that every request sent is counted. */
  readonly onResend?: () => void;
}

export type Http1Failure =
  /** No complete answer within timeoutMs. */
  | { readonly kind: 'timeout' }
  /** The body is larger than maxBodyBytes: `received` body bytes read so far, or the declared length. */
  | { readonly kind: 'tooBig'; readonly received: number }
  /** The connection ended after the headers, before the end of the body. */
  | { readonly kind: 'cutOff'; readonly received: number; readonly cause?: Error }
  /** No answer at all: the connection failed, or ended before a complete status line and headers. */
  | { readonly kind: 'connection'; readonly cause: Error }
  /** Bytes that are not an HTTP/1.x answer as RFC 9112 frames one. */
  | { readonly kind: 'protocol'; readonly detail: string }
  /** A request target that cannot be sent as it is (nothing was sent). */
  | { readonly kind: 'target'; readonly target: string };

export class Http1Error extends Error {
  constructor(readonly failure: Http1Failure) {
    super(failure.kind);
    this.name = 'Http1Error';
  }
}

/** Node's default --max-http-header-size: the status line and the header fields together. */
export const MAX_HEADER_BYTES = 16 * 1024;
/** A chunk-size line with its extensions; longer is not a Docker daemon talking. */
const MAX_CHUNK_LINE_BYTES = 1024;

const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: |$)/;
/** A request target we send as is: visible ASCII only (Node refuses the rest as unescaped characters too). */
const TARGET = /^\/[\x21-\x7e]*$/;

/** How the body of an answer ends. */
type Framing =
  | { readonly kind: 'none' }
  | { readonly kind: 'length'; readonly length: number }
  | { readonly kind: 'chunked' }
  | { readonly kind: 'close' };

interface Head {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly framing: Framing;
  readonly keepAlive: boolean;
}

/** Status line and header fields (without the blank line), or a protocol failure. */
function parseHead(text: string, method: string): Head {
  const lines = text.split('\r\n');
  const statusLine = STATUS_LINE.exec(lines[0]!);
  if (!statusLine) throw protocol(`status line ${JSON.stringify(lines[0]!.slice(0, 60))}`);
  const minor = statusLine[1]!;
  const status = Number(statusLine[2]);
  // No prototype: a field named constructor or __proto__ is a field like any other.
  const headers: Record<string, string> = Object.create(null);
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    // Obsolete line folding (a leading space) and a space before the colon are refused (RFC 9112 5.1, 5.2).
    const name = colon > 0 ? line.slice(0, colon) : '';
    if (!TOKEN.test(name)) throw protocol(`header line ${JSON.stringify(line.slice(0, 60))}`);
    const key = name.toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[key] = headers[key] === undefined ? value : `${headers[key]}, ${value}`;
  }
  const connection = (headers.connection ?? '').toLowerCase();
  let keepAlive =
    minor === '1' ? !/(?:^|,)\s*close\s*(?:,|$)/.test(connection) : /keep-alive/.test(connection);
  let framing: Framing;
  const te = headers['transfer-encoding'];
  const cl = headers['content-length'];
  if (method === 'HEAD' || status === 204 || status === 304 || (status >= 100 && status < 200)) {
    framing = { kind: 'none' };
  } else if (te !== undefined) {
    // Transfer-Encoding in an HTTP/1.0 answer is faulty framing (RFC 9112 6.1).
    if (minor === '0') throw protocol('transfer-encoding in an HTTP/1.0 answer');
    const codings = te
      .toLowerCase()
      .split(',')
      .map((c) => c.trim());
    // Only chunked is ever asked for (no TE header): another coding, or chunked not last, is read to the close.
    if (codings.length === 1 && codings[0] === 'chunked') framing = { kind: 'chunked' };
    else if (codings.at(-1) === 'chunked') throw protocol(`transfer-encoding ${JSON.stringify(te)}`);
    else framing = { kind: 'close' };
    // Both Transfer-Encoding and Content-Length: the connection is not trusted for another request (RFC 9112 6.3).
    if (cl !== undefined) keepAlive = false;
  } else if (cl !== undefined) {
    const values = cl.split(',').map((v) => v.trim());
    if (!values.every((v) => /^\d{1,15}$/.test(v) && v === values[0]))
      throw protocol(`content-length ${JSON.stringify(cl.slice(0, 60))}`);
    framing = { kind: 'length', length: Number(values[0]) };
  } else {
    framing = { kind: 'close' };
  }
  if (framing.kind === 'close') keepAlive = false;
  return { status, headers, framing, keepAlive };
}

const protocol = (detail: string) => new Http1Error({ kind: 'protocol', detail });

/**
 * Reads one answer from the bytes of a connection as they come. `feed` returns the answer once it is complete
 * (with any bytes after it), `end` when the connection ends; both throw an Http1Error for what is not an answer.
 */
class AnswerReader {
  private pending: Buffer | null = null;
  private head: Head | null = null;
  private readonly chunks: Buffer[] = [];
  /** Body bytes so far. */
  received = 0;
  /** Whether any byte of an answer arrived. */
  started = false;
  private state: 'head' | 'length' | 'size' | 'data' | 'dataEnd' | 'trailers' | 'close' | 'done' = 'head';
  private left = 0;

  constructor(
    private readonly method: string,
    private readonly maxBodyBytes: number,
  ) {}

  feed(chunk: Buffer): { answer: Http1Answer; keepAlive: boolean; rest: number } | null {
    this.started = true;
    const buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = null;
    let at = 0;
    while (at < buf.length || this.state === 'done') {
      switch (this.state) {
        case 'head': {
          const end = buf.indexOf(HEADER_END, at);
          if (end < 0) {
            if (buf.length - at > MAX_HEADER_BYTES)
              throw protocol(`headers larger than ${MAX_HEADER_BYTES} bytes`);
            this.pending = buf.subarray(at);
            return null;
          }
          if (end - at > MAX_HEADER_BYTES) throw protocol(`headers larger than ${MAX_HEADER_BYTES} bytes`);
          const head = parseHead(buf.toString('latin1', at, end), this.method);
          at = end + HEADER_END.length;
          if (head.status >= 100 && head.status < 200) {
            // An interim answer (100 Continue, 103 Early Hints): the final one follows. 101 would switch protocols.
            if (head.status === 101) throw protocol('101 Switching Protocols to a GET');
            continue;
          }
          this.head = head;
          const { framing } = head;
          if (framing.kind === 'length') {
            if (framing.length > this.maxBodyBytes)
              throw new Http1Error({ kind: 'tooBig', received: framing.length });
            this.left = framing.length;
            this.state = framing.length === 0 ? 'done' : 'length';
          } else if (framing.kind === 'chunked') this.state = 'size';
          else if (framing.kind === 'close') this.state = 'close';
          else this.state = 'done';
          break;
        }
        case 'size': {
          const eol = buf.indexOf(CRLF, at);
          if (eol < 0) {
            if (buf.length - at > MAX_CHUNK_LINE_BYTES) throw protocol('chunk-size line too long');
            this.pending = buf.subarray(at);
            return null;
          }
          const line = buf.toString('latin1', at, eol);
          const m = /^([0-9A-Fa-f]{1,12})[ \t]*(?:;.*)?$/.exec(line);
          if (!m) throw protocol(`chunk-size line ${JSON.stringify(line.slice(0, 60))}`);
          const size = Number.parseInt(m[1]!, 16);
          at = eol + CRLF.length;
          if (size === 0) this.state = 'trailers';
          else {
            if (this.received + size > this.maxBodyBytes)
              throw new Http1Error({ kind: 'tooBig', received: this.received });
            this.left = size;
            this.state = 'data';
          }
          break;
        }
        case 'length':
        case 'data': {
          // `left` bytes of a Content-Length body or of one chunk.
          const n = Math.min(this.left, buf.length - at);
          this.take(buf.subarray(at, at + n));
          at += n;
          this.left -= n;
          if (this.left === 0) this.state = this.state === 'length' ? 'done' : 'dataEnd';
          break;
        }
        case 'dataEnd': {
          if (buf.length - at < CRLF.length) {
            this.pending = buf.subarray(at);
            return null;
          }
          if (buf[at] !== 0x0d || buf[at + 1] !== 0x0a) throw protocol('chunk data not followed by CRLF');
          at += CRLF.length;
          this.state = 'size';
          break;
        }
        case 'trailers': {
          // Trailer fields are read past, up to the blank line.
          const eol = buf.indexOf(CRLF, at);
          if (eol < 0) {
            if (buf.length - at > MAX_HEADER_BYTES) throw protocol('trailer section too long');
            this.pending = buf.subarray(at);
            return null;
          }
          if (eol === at) this.state = 'done';
          at = eol + CRLF.length;
          break;
        }
        case 'close': {
          const part = buf.subarray(at);
          if (this.received + part.length > this.maxBodyBytes)
            throw new Http1Error({ kind: 'tooBig', received: this.received + part.length });
          this.take(part);
          at = buf.length;
          break;
        }
        case 'done':
          return { answer: this.answer(), keepAlive: this.head!.keepAlive, rest: buf.length - at };
      }
    }
    return null;
  }

  /** The connection ended: the answer if its body runs to the close, else the failure. */
  end(cause?: Error): Http1Answer {
    if (this.state === 'close' && !cause) return this.answer();
    if (this.head === null) {
      throw new Http1Error({ kind: 'connection', cause: cause ?? hangUp() });
    }
    throw new Http1Error({ kind: 'cutOff', received: this.received, ...(cause ? { cause } : {}) });
  }

  private take(part: Buffer): void {
    if (part.length === 0) return;
    this.received += part.length;
    this.chunks.push(part);
  }

  private answer(): Http1Answer {
    this.state = 'done';
    const body = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.received);
    return { status: this.head!.status, headers: this.head!.headers, body };
  }
}

/** One connection and the exchange it carries, if any. */
class Connection {
  exchange: Exchange | null = null;
  /** Whether it carried an answer before: a kept-alive connection the peer may have closed meanwhile. */
  reused = false;
  dead = false;
  /** When it went back to the pool. */
  idleSince = 0;
  /** Whether the peer ended the connection (FIN): only then has a body that runs to the close ended. */
  private peerEnded = false;

  constructor(
    readonly socket: net.Socket,
    private readonly onIdleGone: (c: Connection) => void,
  ) {
    socket.on('data', (chunk: Buffer) => {
      if (this.exchange) this.exchange.data(chunk);
      // Bytes nobody asked for: the connection is out of step, not to be trusted again.
      else this.kill();
    });
    socket.on('end', () => {
      this.peerEnded = true;
      this.gone();
    });
    socket.on('error', (err) => this.gone(err));
    // Closed without the peer's FIN (destroyed here, by close()): whatever was being read did not end. The error
    // (a stack trace) only when an exchange waits for it: every connection over the pool's size ends here.
    socket.on('close', () => this.gone(this.peerEnded || !this.exchange ? undefined : hangUp()));
  }

  kill(): void {
    this.dead = true;
    this.socket.destroy();
    this.onIdleGone(this);
  }

  private gone(err?: Error): void {
    this.dead = true;
    const exchange = this.exchange;
    this.exchange = null;
    if (exchange) exchange.ended(err);
    else this.onIdleGone(this);
    if (!this.socket.destroyed) this.socket.destroy();
  }
}

/** What Node's client says when a connection ends before an answer. */
function hangUp(): Error {
  return Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
}

/**
 * A pooled connection idle longer than this is closed rather than used: a NAT or a firewall on the way to a
 * tcp:// daemon may have forgotten it, and a request on it would wait for its whole deadline (the resync comes
 * every few minutes; a burst of inspects reuses connections within milliseconds).
 */
const MAX_IDLE_MS = 30_000;

interface Exchange {
  data(chunk: Buffer): void;
  ended(err?: Error): void;
}

export class Http1Client {
  private readonly idle: Connection[] = [];
  private readonly busy = new Set<Connection>();

  /**
   * `connect` opens a new connection (net.connect to the socket or the TCP port); `hostHeader` is what the
   * Host field says (Node sends "localhost" over a unix socket); at most `maxIdle` connections are kept open
   * between requests.
   */
  constructor(
    private readonly connect: () => net.Socket,
    private readonly hostHeader: string,
    private readonly userAgent: string,
    private readonly maxIdle = 4,
  ) {}

  request(method: 'GET' | 'HEAD', target: string, limits: Http1Limits): Promise<Http1Answer> {
    if (!TARGET.test(target)) return Promise.reject(new Http1Error({ kind: 'target', target }));
    const text = `${method} ${target} HTTP/1.1\r\nHost: ${this.hostHeader}\r\nUser-Agent: ${this.userAgent}\r\n\r\n`;
    return new Promise<Http1Answer>((resolve, reject) => {
      let settled = false;
      let conn: Connection | null = null;
      const settle = (err: Http1Error | null, answer?: Http1Answer): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(answer!);
      };
      const timer = setTimeout(() => {
        settle(new Http1Error({ kind: 'timeout' }));
        if (conn) this.discard(conn);
      }, limits.timeoutMs);
      const attempt = (retry: boolean): void => {
        let c: Connection;
        try {
          c = this.take(retry);
        } catch (e) {
          // connect() refused its options outright (it reports everything else as an 'error' event).
          settle(new Http1Error({ kind: 'connection', cause: e as Error }));
          return;
        }
        conn = c;
        const reader = new AnswerReader(method, limits.maxBodyBytes);
        c.exchange = {
          data: (chunk) => {
            if (settled) return;
            let done: ReturnType<AnswerReader['feed']>;
            try {
              done = reader.feed(chunk);
            } catch (e) {
              this.discard(c);
              settle(e as Http1Error);
              return;
            }
            if (!done) return;
            c.exchange = null;
            // Bytes after a complete answer to a request sent alone: out of step, closed rather than reused.
            if (done.keepAlive && done.rest === 0) this.release(c);
            else this.discard(c);
            settle(null, done.answer);
          },
          ended: (err) => {
            this.busy.delete(c);
            if (settled) return;
            // A kept-alive connection the peer closed while it was idle: nothing of this answer arrived, and
            // a GET or HEAD may be sent again once, on a new connection (RFC 9112 9.3.1). The other idle
            // connections are likely as stale (a restarted daemon closes them all): closed too.
            if (!reader.started && c.reused && !retry) {
              this.dropIdle();
              limits.onResend?.();
              attempt(true);
              return;
            }
            try {
              settle(null, reader.end(err));
            } catch (e) {
              settle(e as Http1Error);
            }
          },
        };
        c.socket.write(text, 'latin1');
      };
      attempt(false);
    });
  }

  /** Closes every connection; requests in flight fail ("socket hang up"). Later requests open new ones. */
  close(): void {
    for (const c of [...this.idle, ...this.busy]) c.kill();
    this.idle.length = 0;
  }

  /** Connections kept open between requests. */
  get idleConnections(): number {
    return this.idle.length;
  }

  private dropIdle(): void {
    for (const c of this.idle.splice(0)) c.kill();
  }

  private take(fresh: boolean): Connection {
    const now = Date.now();
    for (let c = fresh ? undefined : this.idle.pop(); c; c = this.idle.pop()) {
      if (c.dead || c.socket.destroyed) continue;
      if (now - c.idleSince > MAX_IDLE_MS) {
        c.kill();
        continue;
      }
      c.socket.ref();
      this.busy.add(c);
      return c;
    }
    const socket = this.connect();
    const c = new Connection(socket, (gone) => {
      const i = this.idle.indexOf(gone);
      if (i >= 0) this.idle.splice(i, 1);
    });
    this.busy.add(c);
    return c;
  }

  private release(c: Connection): void {
    this.busy.delete(c);
    if (c.dead || this.idle.length >= this.maxIdle) {
      c.kill();
      return;
    }
    c.reused = true;
    c.idleSince = Date.now();
    // An idle connection never keeps the process alive (as Node's agent does with its free sockets).
    c.socket.unref();
    this.idle.push(c);
  }

  private discard(c: Connection): void {
    this.busy.delete(c);
    c.exchange = null;
    c.kill();
  }
}
