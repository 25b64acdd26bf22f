// A verified GitLab webhook: a push (or tag push) to a package project fetches that repository at once;
// a pipeline event makes the follower ask GitLab about that pipeline now. Other events are acknowledged
// and ignored, so GitLab does not disable the hook for failing.
import { assertNever } from "../../core/errors";
import { type GitlabEvent, pkgbaseOfProject } from "../../gitlab";
import type { GitlabMode, ServerDeps } from "../deps";
import { fetchSources } from "./fetch-sources";

export interface WebhookOutcome {
  accepted: boolean;
  /** What the server does about it, or why it ignores it. */
  action: string;
}

export function handleGitlabWebhook(deps: ServerDeps, gitlab: GitlabMode, event: GitlabEvent): WebhookOutcome {
  switch (event.kind) {
    case "push": {
      const { project } = event;
      if (!project.fullPath.startsWith(`${gitlab.config.group}/`)) {
        return { accepted: false, action: `ignored: ${project.fullPath} is not in ${gitlab.config.group}` };
      }
      const identity = pkgbaseOfProject(project);
      if (!identity.ok) return { accepted: false, action: `ignored: ${identity.reason}` };
      deps.log.info("push received", { pkgbase: identity.pkgbase, ref: event.ref, after: event.after });
      void fetchSources(
        deps,
        gitlab,
        [{ pkgbase: identity.pkgbase, fullPath: project.fullPath, defaultBranch: project.defaultBranch }],
        "webhook",
      ).catch((error) =>
        deps.log.error("fetch after webhook failed", { pkgbase: identity.pkgbase, error: String(error) }),
      );
      return { accepted: true, action: `fetching ${identity.pkgbase}` };
    }
    case "pipeline":
      gitlab.pokePipeline(event.pipelineId);
      return { accepted: true, action: `checking pipeline ${event.pipelineId}` };
    case "other":
      return { accepted: false, action: `ignored: ${event.objectKind} events are not used` };
    default:
      return assertNever(event, "GitLab event");
  }
}
