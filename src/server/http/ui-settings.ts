// Settings only the web UI reads: where a commit is shown on its forge.
//   BUILDBTW_COMMIT_URL_TEMPLATE   e.g. https://forge.example/pkgs/{project}/-/commit/{commit}
//                                  ({pkgbase}; {project}: the GitLab project path of the pkgbase; {commit})
//   otherwise GitLab's commit page, when GitLab mode is on or GITLAB_DOMAIN names a GitLab.
// Without any of them, commits are shown as plain text.
import { z } from "zod";
import { type Env, parseSettings, pick } from "../../config/env";
import { loadGitlabSourceConfig } from "../../config/server";
import { projectPathOf } from "../../gitlab";

const Schema = z.object({
  commitUrlTemplate: z
    .string()
    .regex(/^https?:\/\/\S+$/, "must be an http(s) URL")
    .refine((t) => t.includes("{commit}"), "must contain {commit}")
    .optional(),
});

export interface UiSettings {
  commitUrl: (pkgbase: string, commit: string) => string | null;
}

/** `gitlab`: the server's GitLab settings when GitLab mode is on. */
export function loadUiSettings(env: Env, gitlab: { url: string; group: string } | null = null): UiSettings {
  const forge = gitlab ?? (pick(env.GITLAB_DOMAIN) ? loadGitlabSourceConfig({}, env) : null);
  const fromGitlab = forge ? `${forge.url}/${forge.group}/{project}/-/commit/{commit}` : undefined;
  const { commitUrlTemplate } = parseSettings(
    Schema,
    { commitUrlTemplate: pick(env.BUILDBTW_COMMIT_URL_TEMPLATE) ?? fromGitlab },
    "server",
  );
  return {
    commitUrl: (pkgbase, commit) =>
      commitUrlTemplate
        ? commitUrlTemplate
            .replaceAll("{pkgbase}", encodeURIComponent(pkgbase))
            .replaceAll("{project}", encodeURIComponent(projectPathOf(pkgbase)))
            .replaceAll("{commit}", encodeURIComponent(commit))
        : null,
  };
}
