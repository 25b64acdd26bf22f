// Settings only the web UI reads: where a commit is shown on its forge. From the environment (or .env):
//   BUILDBTW_COMMIT_URL_TEMPLATE   e.g. https://forge.example/pkgs/{project}/-/commit/{commit}
//                                  ({pkgbase}, {project}: the GitLab project path of the pkgbase, {commit})
//   GITLAB_DOMAIN (+ GITLAB_PACKAGES_GROUP, default archlinux/packaging/packages): the same on GitLab.
// Without either, commits are shown as plain text.
import { z } from "zod";
import { type Env, parseSettings, pick } from "../../config/env";

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

/** GitLab project paths of Arch package repositories: `+` is spelled out, other odd characters become `-`. */
export function gitlabProjectPath(pkgbase: string): string {
  const path = pkgbase
    .replace(/([a-zA-Z0-9]+)\+([a-zA-Z]+)/g, "$1-$2")
    .replace(/\+/g, "plus")
    .replace(/[^a-zA-Z0-9_\-.]/g, "-")
    .replace(/[_-]{2,}/g, "-");
  return path === "tree" ? "unix-tree" : path;
}

export function loadUiSettings(env: Env): UiSettings {
  const domain = pick(env.GITLAB_DOMAIN);
  const group = pick(env.GITLAB_PACKAGES_GROUP) ?? "archlinux/packaging/packages";
  const fromGitlab = domain
    ? `https://${domain.replace(/^https?:\/\//, "")}/${group}/{project}/-/commit/{commit}`
    : undefined;
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
            .replaceAll("{project}", encodeURIComponent(gitlabProjectPath(pkgbase)))
            .replaceAll("{commit}", encodeURIComponent(commit))
        : null,
  };
}
