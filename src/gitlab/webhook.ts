// GitLab webhooks (project or group hooks): who may send them and what they say. GitLab proves a
// delivery with the hook's secret token in X-Gitlab-Token and, where a signing token is configured, an
// HMAC-SHA256 over `webhook-id.webhook-timestamp.body` in `webhook-signature: v1,<base64>` (the Standard
// Webhooks scheme). Every configured proof must hold; with none configured, nothing is accepted.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { Invalid } from "../core/errors";

export interface WebhookSecrets {
  /** The hook's secret token (X-Gitlab-Token). */
  secretToken?: string;
  /** The hook's signing token, `whsec_<base64 key>`. */
  signingToken?: string;
}

export type WebhookVerdict = { ok: true } | { ok: false; status: 401 | 403; reason: string };

/** A signed delivery older or newer than this is refused, so a captured one cannot be replayed later. */
export const SIGNATURE_TOLERANCE_S = 5 * 60;

const same = (a: string, b: string): boolean =>
  timingSafeEqual(createHash("sha256").update(a).digest(), createHash("sha256").update(b).digest());

function signingKey(signingToken: string): Buffer {
  return Buffer.from(signingToken.replace(/^whsec_/, ""), "base64");
}

/** The `webhook-signature` value GitLab sends for a delivery. */
export function signDelivery(signingToken: string, id: string, timestamp: string, body: string): string {
  return `v1,${createHmac("sha256", signingKey(signingToken)).update(`${id}.${timestamp}.${body}`).digest("base64")}`;
}

export function verifyWebhook(
  header: (name: string) => string | undefined,
  body: string,
  secrets: WebhookSecrets,
  nowMs: number,
): WebhookVerdict {
  if (!secrets.secretToken && !secrets.signingToken) {
    return {
      ok: false,
      status: 403,
      reason: "GitLab webhooks are not enabled here: set GITLAB_WEBHOOK_SECRET and/or GITLAB_WEBHOOK_SIGNING_TOKEN",
    };
  }
  if (secrets.secretToken) {
    const token = header("x-gitlab-token");
    if (!token)
      return { ok: false, status: 401, reason: "the webhook has no X-Gitlab-Token; give the hook the secret token" };
    if (!same(token, secrets.secretToken))
      return { ok: false, status: 403, reason: "the webhook's X-Gitlab-Token is wrong" };
  }
  if (secrets.signingToken) {
    const id = header("webhook-id");
    const timestamp = header("webhook-timestamp");
    const signatures = header("webhook-signature");
    if (!id || !timestamp || !signatures) {
      return {
        ok: false,
        status: 401,
        reason: "the webhook is not signed (webhook-id, webhook-timestamp, webhook-signature)",
      };
    }
    if (!/^\d+$/.test(timestamp) || Math.abs(nowMs / 1000 - Number(timestamp)) > SIGNATURE_TOLERANCE_S) {
      return { ok: false, status: 403, reason: "the webhook's timestamp is not within five minutes of now" };
    }
    const expected = signDelivery(secrets.signingToken, id, timestamp, body);
    if (!signatures.split(" ").some((s) => same(s, expected))) {
      return { ok: false, status: 403, reason: "the webhook's signature does not match its body" };
    }
  }
  return { ok: true };
}

const Project = z.object({
  id: z.number(),
  name: z.string(),
  path_with_namespace: z.string(),
  default_branch: z.string().nullable().optional(),
});

const PushBody = z.object({
  object_kind: z.enum(["push", "tag_push"]),
  ref: z.string(),
  after: z.string(),
  project: Project,
});

const PipelineBody = z.object({
  object_kind: z.literal("pipeline"),
  object_attributes: z.object({ id: z.number(), status: z.string() }),
  project: z.object({ id: z.number(), path_with_namespace: z.string() }),
});

export type GitlabEvent =
  | {
      kind: "push";
      project: { id: number; name: string; path: string; fullPath: string; defaultBranch: string | null };
      ref: string;
      after: string;
    }
  | { kind: "pipeline"; pipelineId: number; projectId: number; status: string }
  | { kind: "other"; objectKind: string };

export class InvalidWebhook extends Invalid {
  override name = "InvalidWebhook";
}

/** What a verified delivery says; throws InvalidWebhook for a body that is not a GitLab event. */
export function parseWebhook(body: string): GitlabEvent {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new InvalidWebhook("the webhook body is not JSON");
  }
  const kind = (json as { object_kind?: unknown } | null)?.object_kind;
  if (typeof kind !== "string") throw new InvalidWebhook("the webhook body has no object_kind; is it a GitLab event?");
  if (kind === "push" || kind === "tag_push") {
    const push = PushBody.safeParse(json);
    if (!push.success) throw new InvalidWebhook(`the ${kind} event lacks ${push.error.issues[0]?.path.join(".")}`);
    const p = push.data.project;
    return {
      kind: "push",
      project: {
        id: p.id,
        name: p.name,
        path: p.path_with_namespace.split("/").pop() ?? "",
        fullPath: p.path_with_namespace,
        defaultBranch: p.default_branch ?? null,
      },
      ref: push.data.ref,
      after: push.data.after,
    };
  }
  if (kind === "pipeline") {
    const pipeline = PipelineBody.safeParse(json);
    if (!pipeline.success)
      throw new InvalidWebhook(`the pipeline event lacks ${pipeline.error.issues[0]?.path.join(".")}`);
    return {
      kind: "pipeline",
      pipelineId: pipeline.data.object_attributes.id,
      projectId: pipeline.data.project.id,
      status: pipeline.data.object_attributes.status,
    };
  }
  return { kind: "other", objectKind: kind };
}
