// GITLAB_PACKAGES_CI_CONFIG (src/gitlab/README.md, GitLab mode: CI config): every project of the group points its CI
// config path at the shared template; only projects that differ are changed.
import type { GitlabMode, ServerDeps } from "../deps";

export async function keepCiConfigPaths(
  deps: ServerDeps,
  gitlab: GitlabMode,
): Promise<{ projects: number; changed: number; unknown: number; failed: number }> {
  const wanted = gitlab.config.ciConfigPath;
  if (!wanted) return { projects: 0, changed: 0, unknown: 0, failed: 0 };
  const projects = await gitlab.client.listGroupProjects();
  // Absent (not null) when the token may not read the repository: we cannot tell, so leave it alone.
  const unknown = projects.filter((p) => p.ciConfigPath === undefined).length;
  const differing = projects.filter((p) => p.ciConfigPath !== undefined && p.ciConfigPath !== wanted);
  let changed = 0;
  let failed = 0;
  const queue = [...differing];
  const worker = async () => {
    for (let p = queue.shift(); p; p = queue.shift()) {
      try {
        await gitlab.client.setCiConfigPath(p.id, wanted);
        changed++;
      } catch (error) {
        failed++;
        deps.log.warn("setting the CI config path failed", { project: p.fullPath, error: String(error) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(4, queue.length) }, worker));
  deps.log.info("CI config paths checked", { projects: projects.length, changed, unknown, failed, path: wanted });
  return { projects: projects.length, changed, unknown, failed };
}
