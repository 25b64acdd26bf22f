// Raw HTTP/1.1 over a TCP socket, for requests fetch() will not send (no or bad Host header, absolute-form
// targets, bodies cut off mid-way).

export interface RawResponse {
  status: number;
  head: string;
  body: string;
}

/** Send `request` as is and read until the server closes the connection (or `ms` passes). */
export async function rawRequest(url: string, request: string | Uint8Array, ms = 10_000): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  let text = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    Bun.connect({
      hostname,
      port: Number(port),
      socket: {
        open(socket) {
          socket.write(request);
        },
        data(_socket, data) {
          text += new TextDecoder().decode(data);
        },
        close() {
          clearTimeout(timer);
          resolve();
        },
        error(_socket, error) {
          clearTimeout(timer);
          reject(error);
        },
      },
    }).catch(reject);
  });
  const split = text.indexOf("\r\n\r\n");
  const head = split === -1 ? text : text.slice(0, split);
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
  return { status, head, body: split === -1 ? "" : text.slice(split + 4) };
}

/** A body's JSON `error`, whatever the transfer encoding (chunked bodies carry size lines). */
export function errorOf(body: string): string | undefined {
  const m = /\{"error":"((?:[^"\\]|\\.)*)"\}/.exec(body);
  return m ? JSON.parse(`"${m[1]}"`) : undefined;
}
