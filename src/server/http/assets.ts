// Static assets embedded in the binary (Bun text imports): htmx, our stylesheet and page script. No CDN,
// no request leaves the server. URLs carry a content hash, so browsers may cache them forever.
import { Hono } from "hono";
import htmx from "htmx.org/dist/htmx.min.js" with { type: "text" };
import css from "../../../views/static/app.css" with { type: "text" };
import ui from "../../../views/static/ui.js" with { type: "text" };

interface Asset {
  body: string;
  /** Compressed once at start: htmx is 52 kB as text, 16 kB gzipped. */
  gzip: Uint8Array<ArrayBuffer>;
  type: string;
  hash: string;
}

const asset = (body: string, type: string): Asset => ({
  body,
  gzip: new Uint8Array(Bun.gzipSync(body)),
  type,
  hash: new Bun.CryptoHasher("sha256").update(body).digest("hex").slice(0, 12),
});

const ASSETS: Record<string, Asset> = {
  "htmx.min.js": asset(htmx, "text/javascript; charset=utf-8"),
  "app.css": asset(css, "text/css; charset=utf-8"),
  "ui.js": asset(ui, "text/javascript; charset=utf-8"),
};

export type AssetName = "htmx.min.js" | "app.css" | "ui.js";

/** The URL pages link to: the hash changes whenever the content does. */
export const assetUrl = (name: AssetName): string => `/assets/${name}?v=${ASSETS[name]!.hash}`;

export function assetsRouter() {
  return new Hono().get("/:file", (c) => {
    const file = c.req.param("file");
    const found = Object.hasOwn(ASSETS, file) ? ASSETS[file] : undefined;
    if (!found) return c.text(`no asset named ${file}`, 404);
    c.header("content-type", found.type);
    c.header("cache-control", c.req.query("v") === found.hash ? "public, max-age=31536000, immutable" : "no-cache");
    c.header("x-content-type-options", "nosniff");
    c.header("vary", "accept-encoding");
    if (/\bgzip\b/.test(c.req.header("accept-encoding") ?? "")) {
      c.header("content-encoding", "gzip");
      return c.body(found.gzip);
    }
    return c.body(found.body);
  });
}
