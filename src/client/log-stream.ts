// Build output → the server's live log, in batches: one POST per flush interval or per full batch, never
// more than one in flight, so chunks arrive in order and a slow server does not multiply requests.

export interface LogStreamOptions {
  /** Deliver one batch (the caller retries transient failures inside). */
  send: (text: string) => Promise<void>;
  /** A batch that could not be delivered; the stream goes on with later output. */
  onError: (error: unknown) => void;
  flushMs?: number;
  /** Send as soon as this much is buffered. */
  maxBytes?: number;
  /** The most one request carries (the server refuses log chunks over 1 MiB). */
  maxRequestChars?: number;
}

export interface LogStream {
  write(chunk: string): void;
  /** Send everything written so far; resolves when it has been delivered (or given up on). */
  flush(): Promise<void>;
  /** Drop whatever is buffered and ignore later writes (the lease is gone: the server would refuse them). */
  discard(): void;
}

export function createLogStream(options: LogStreamOptions): LogStream {
  const flushMs = options.flushMs ?? 250;
  const maxBytes = options.maxBytes ?? 16 * 1024;
  const maxRequestChars = options.maxRequestChars ?? 256 * 1024;
  let buffered = "";
  let bytes = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let tail: Promise<void> = Promise.resolve();
  let discarded = false;

  function flush(): Promise<void> {
    clearTimeout(timer);
    timer = undefined;
    if (buffered === "" || discarded) return tail;
    const text = buffered;
    buffered = "";
    bytes = 0;
    for (const piece of pieces(text, maxRequestChars)) {
      tail = tail.then(() => (discarded ? undefined : options.send(piece))).catch(options.onError);
    }
    return tail;
  }

  return {
    write(chunk) {
      if (discarded || chunk === "") return;
      buffered += chunk;
      bytes += Buffer.byteLength(chunk);
      if (bytes >= maxBytes) void flush();
      else timer ??= setTimeout(flush, flushMs);
    },
    flush,
    discard() {
      discarded = true;
      clearTimeout(timer);
      buffered = "";
    },
  };
}

/**
 * `text` in pieces of at most `max` UTF-16 units: one huge write from a driver must not become one
 * request the server refuses for its size. Never splits a surrogate pair.
 */
export function pieces(text: string, max: number): string[] {
  const out: string[] = [];
  let start = 0;
  while (text.length - start > max) {
    let end = start + max;
    const code = text.charCodeAt(end - 1);
    if (code >= 0xd800 && code <= 0xdbff) end--;
    out.push(text.slice(start, end));
    start = end;
  }
  out.push(text.slice(start));
  return out;
}
