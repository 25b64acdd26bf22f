// POST /api/v1/gitlab/webhook: GitLab push and pipeline hooks. Verified first (no proof 401, a wrong
// one 403, and nothing happens); then answered at once with 202 while the fetch runs in the background.
import { Hono } from "hono";
import { Forbidden, Invalid, NotFound, Unauthorized } from "../../core/errors";
import { parseWebhook, verifyWebhook } from "../../gitlab";
import type { ServerDeps } from "../deps";
import { handleGitlabWebhook } from "../usecases/handle-gitlab-webhook";

const MAX_BODY = 25 * 1024 * 1024;

export function gitlabWebhookRouter(deps: ServerDeps) {
  return new Hono().post("/", async (c) => {
    const gitlab = deps.gitlab;
    if (!gitlab) throw new NotFound("GitLab mode is off on this server (GITLAB_TOKEN is not set)");
    if (Number(c.req.header("content-length") ?? "0") > MAX_BODY) throw new Invalid("the webhook body is too large");
    const body = await c.req.text();
    const verdict = verifyWebhook(
      (name) => c.req.header(name),
      body,
      { secretToken: gitlab.config.webhookSecret, signingToken: gitlab.config.webhookSigningToken },
      deps.now(),
    );
    if (!verdict.ok) {
      deps.log.warn("webhook refused", { reason: verdict.reason, event: c.req.header("x-gitlab-event") });
      throw verdict.status === 401 ? new Unauthorized(verdict.reason) : new Forbidden(verdict.reason);
    }
    // A body that is no GitLab event throws InvalidWebhook, an Invalid: 400.
    return c.json(handleGitlabWebhook(deps, gitlab, parseWebhook(body)), 202);
  });
}
