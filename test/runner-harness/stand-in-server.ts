// A small stand-in for `buildbtw serve`'s pipeline-build routes (api/routes.ts pipelineBuild*), over real HTTP,
// for executor tests that need to make the server misbehave: it knows the builds it is given, checks the
// per-build token like the server (401 missing, 403 another build's, 409 no longer current), checks uploads
// are real packages of the build with src/pacman, records every call in order, and can answer 503 on demand.
import type { Server } from "bun";
import { api } from "../../src/api/routes";
import { BuildResult, type PipelineBuild } from "../../src/api/schemas";
import { inspectPackage } from "../../src/pacman";

export type StandInEvent =
  | { kind: "get"; buildId: number; answer: number }
  | { kind: "log"; buildId: number; text: string }
  | { kind: "file"; buildId: number; name: string; bytes: Uint8Array; answer: number }
  | { kind: "result"; buildId: number; status: "built" | "failed"; reason?: string; answer: number }
  | { kind: "unavailable"; path: string };

export interface StandInServer {
  url: string;
  events: StandInEvent[];
  /** Make a build known, with the token its pipeline carries. */
  add(build: PipelineBuild, token: string): void;
  /** While down, every request gets 503. */
  setDown(down: boolean): void;
  /** A stale build's calls get 409, as when its pipeline is no longer the build's current dispatch. */
  markStale(buildId: number): void;
  /** Refuse every upload of a build with 400 and this sentence (as the server does for a bad .PKGINFO). */
  refuseUploads(buildId: number, sentence: string): void;
  /** The text of every log chunk of a build, joined. */
  log(buildId: number): string;
  stop(): Promise<void>;
}

export function startStandInServer(): StandInServer {
  const events: StandInEvent[] = [];
  const builds = new Map<number, { build: PipelineBuild; token: string; uploaded: Set<string> }>();
  const stale = new Set<number>();
  const refusals = new Map<number, string>();
  let down = false;
  const error = (status: number, sentence: string) => Response.json({ error: sentence }, { status });
  const prefix = api.pipelineBuild(0).replace(/0$/, "");

  const server: Server<undefined> = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      const path = new URL(req.url).pathname;
      if (down) {
        events.push({ kind: "unavailable", path });
        return error(503, "the server is restarting");
      }
      if (!path.startsWith(prefix)) return error(404, `no route ${path}`);
      const [idText, what, name] = path.slice(prefix.length).split("/");
      const buildId = Number(idText);
      const entry = builds.get(buildId);
      if (!entry) return error(404, `build ${idText} does not exist`);
      const auth = req.headers.get("authorization");
      if (!auth?.startsWith("Bearer ")) return error(401, "a pipeline build token is required");
      if (auth.slice(7) !== entry.token) return error(403, `this token is not build ${buildId}'s`);
      if (stale.has(buildId)) return error(409, `build ${buildId}'s pipeline is no longer current`);

      if (req.method === "GET" && what === undefined) {
        events.push({ kind: "get", buildId, answer: 200 });
        return Response.json(entry.build);
      }
      if (req.method === "POST" && what === "log") {
        events.push({ kind: "log", buildId, text: await req.text() });
        return new Response(null, { status: 204 });
      }
      if (req.method === "PUT" && what === "files" && name !== undefined) {
        const file = decodeURIComponent(name);
        const bytes = new Uint8Array(await req.arrayBuffer());
        const refusal = refusals.get(buildId);
        const answer = refusal ? error(400, refusal) : checkUpload(entry.build, file, bytes);
        events.push({ kind: "file", buildId, name: file, bytes, answer: answer.status });
        if (answer.status === 201) entry.uploaded.add(file);
        return answer;
      }
      if (req.method === "POST" && what === "result") {
        const parsed = BuildResult.safeParse(await req.json().catch(() => null));
        if (!parsed.success) return error(400, "the result is not a BuildResult");
        const missing = entry.build.expected_files.filter((f) => !entry.uploaded.has(f));
        const answer = parsed.data.status === "built" && missing.length > 0 ? 400 : 200;
        events.push({ kind: "result", buildId, ...parsed.data, answer });
        if (answer !== 200) return error(answer, `upload these packages before reporting the build built: ${missing}`);
        return Response.json({ status: parsed.data.status, unblocked: 0 });
      }
      return error(404, `no route ${req.method} ${path}`);
    },
  });

  function checkUpload(build: PipelineBuild, file: string, bytes: Uint8Array): Response {
    if (!build.expected_files.includes(file))
      return error(400, `${file} is not a package this build produces (expected: ${build.expected_files.join(", ")})`);
    try {
      const info = inspectPackage(bytes);
      if (info.pkginfo.pkgbase !== build.pkgbase)
        return error(400, `${file} belongs to pkgbase ${info.pkginfo.pkgbase}, not ${build.pkgbase}`);
    } catch (e) {
      return error(400, `${file} is not a package: ${(e as Error).message}`);
    }
    return Response.json({ file, size: bytes.byteLength }, { status: 201 });
  }

  return {
    url: `http://127.0.0.1:${server.port}`,
    events,
    add: (build, token) => builds.set(build.build_id, { build, token, uploaded: new Set() }),
    setDown: (value) => {
      down = value;
    },
    markStale: (id) => stale.add(id),
    refuseUploads: (id, sentence) => refusals.set(id, sentence),
    log: (id) =>
      events
        .filter((e): e is Extract<StandInEvent, { kind: "log" }> => e.kind === "log" && e.buildId === id)
        .map((e) => e.text)
        .join(""),
    stop: () => server.stop(true),
  };
}
