import { describe, expect, test } from "bun:test";
import { InvalidWebhook, parseWebhook, signDelivery, verifyWebhook } from "./webhook";

const headers = (h: Record<string, string>) => (name: string) => h[name.toLowerCase()];
const signing = `whsec_${Buffer.alloc(32, 7).toString("base64")}`;
const now = 1_750_000_000_000;
const ts = String(now / 1000);

describe("verifyWebhook", () => {
  test("nothing configured refuses everything", () => {
    expect(verifyWebhook(headers({ "x-gitlab-token": "x" }), "{}", {}, now)).toMatchObject({ ok: false, status: 403 });
  });
  test("secret token: missing 401, wrong 403, right ok", () => {
    const s = { secretToken: "s3cret-token" };
    expect(verifyWebhook(headers({}), "{}", s, now)).toMatchObject({ ok: false, status: 401 });
    expect(verifyWebhook(headers({ "x-gitlab-token": "nope" }), "{}", s, now)).toMatchObject({
      ok: false,
      status: 403,
    });
    expect(verifyWebhook(headers({ "x-gitlab-token": "s3cret-token" }), "{}", s, now)).toEqual({ ok: true });
  });
  test("signing token: unsigned 401, tampered or stale 403, signed ok", () => {
    const s = { signingToken: signing };
    const body = '{"object_kind":"push"}';
    const sig = signDelivery(signing, "id-1", ts, body);
    const good = { "webhook-id": "id-1", "webhook-timestamp": ts, "webhook-signature": sig };
    expect(verifyWebhook(headers({}), body, s, now)).toMatchObject({ ok: false, status: 401 });
    expect(verifyWebhook(headers(good), `${body} `, s, now)).toMatchObject({ ok: false, status: 403 });
    expect(verifyWebhook(headers(good), body, s, now + 10 * 60_000)).toMatchObject({ ok: false, status: 403 });
    expect(verifyWebhook(headers(good), body, s, now)).toEqual({ ok: true });
    // Several signatures (key rotation): any one that matches will do.
    expect(verifyWebhook(headers({ ...good, "webhook-signature": `v1,AAAA ${sig}` }), body, s, now)).toEqual({
      ok: true,
    });
  });
});

describe("parseWebhook", () => {
  test("a push event names the project, ref and new commit", () => {
    const e = parseWebhook(
      JSON.stringify({
        object_kind: "push",
        ref: "refs/heads/main",
        before: "0".repeat(40),
        after: "a".repeat(40),
        project: { id: 3, name: "libc++", path_with_namespace: "archlinux/packaging/packages/libcplusplus" },
      }),
    );
    expect(e).toEqual({
      kind: "push",
      project: {
        id: 3,
        name: "libc++",
        path: "libcplusplus",
        fullPath: "archlinux/packaging/packages/libcplusplus",
        defaultBranch: null,
      },
      ref: "refs/heads/main",
      after: "a".repeat(40),
    });
  });
  test("a pipeline event names the pipeline and its status", () => {
    const e = parseWebhook(
      JSON.stringify({
        object_kind: "pipeline",
        object_attributes: { id: 9, status: "success" },
        project: { id: 3, path_with_namespace: "g/p" },
      }),
    );
    expect(e).toEqual({ kind: "pipeline", pipelineId: 9, projectId: 3, status: "success" });
  });
  test("other events are named, broken bodies are refused with a sentence", () => {
    expect(parseWebhook('{"object_kind":"issue"}')).toEqual({ kind: "other", objectKind: "issue" });
    expect(() => parseWebhook("not json")).toThrow(InvalidWebhook);
    expect(() => parseWebhook('{"object_kind":"push","ref":"x"}')).toThrow(/lacks/);
  });
});
