// `buildbtw repos sync`: clone or update every project of the GitLab packages group into REPOS_DIR (the
// predecessor's separate repo-updater). Bounded concurrency, a progress bar on a terminal, a summary;
// resumable, and it remembers when the last complete sync started so the next one fetches only what
// was active since (less a margin for GitLab's hourly activity bumps).
import { defineCommand } from "citty";
import { loadGitlabSourceConfig, loadServerConfig } from "../config/server";
import { createGitlabClient, type GroupSyncResult, RepositoryFetcher, syncGroup } from "../gitlab";
import { execute, jsonFlag, printJson, printLines } from "./support";

function progressBar(enabled: boolean) {
  let last = 0;
  return {
    update(done: number, total: number, text: string) {
      if (!enabled || (performance.now() - last < 100 && done < total)) return;
      last = performance.now();
      const width = 30;
      const filled = total === 0 ? width : Math.round((done / total) * width);
      process.stderr.write(`\r\x1b[2K[${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total} ${text}`);
    },
    done() {
      if (enabled) process.stderr.write("\r\x1b[2K");
    },
  };
}

function summary(r: GroupSyncResult): string[] {
  const lines = [
    `${r.projects} projects in ${r.group}: ${r.cloned.length} cloned, ${r.fetched.length} fetched, ${r.unchanged} unchanged since the last sync, ${r.failed.length} failed, ${r.skipped.length} skipped (${(r.ms / 1000).toFixed(1)} s)`,
  ];
  for (const f of r.failed.slice(0, 20)) lines.push(`  failed ${f.pkgbase}: ${f.reason}`);
  if (r.failed.length > 20) lines.push(`  … and ${r.failed.length - 20} more`);
  for (const s of r.skipped.slice(0, 20)) lines.push(`  skipped ${s.project}: ${s.reason}`);
  lines.push(
    r.failed.length === 0
      ? `The next sync fetches only projects active since ${r.started_at} (less an hour's margin).`
      : `The next sync retries the ${r.failed.length} that failed, whatever their activity.`,
  );
  return lines;
}

const sync = defineCommand({
  meta: {
    name: "sync",
    description:
      "Clone or update every project of the GitLab packages group (GITLAB_DOMAIN, GITLAB_PACKAGES_GROUP) into the repos directory",
  },
  args: {
    repos: {
      type: "string",
      description: "Where to clone, one repo per pkgbase (REPOS_DIR, default ./data/source_repos)",
    },
    "data-dir": { type: "string", description: "State directory (DATA_DIR, default ./data)" },
    concurrency: { type: "string", description: "git processes at once (BUILDBTW_FETCH_CONCURRENCY, default 8)" },
    all: {
      type: "boolean",
      description: "Fetch every repository, not only those active since the last sync",
      default: false,
    },
    ...jsonFlag,
  },
  run: ({ args }) =>
    execute(async () => {
      const { reposDir } = loadServerConfig({ repos: args.repos, "data-dir": args["data-dir"] });
      const gitlab = loadGitlabSourceConfig({ concurrency: args.concurrency });
      const abort = new AbortController();
      const interrupt = () => abort.abort(new Error("interrupted"));
      process.once("SIGINT", interrupt);
      process.once("SIGTERM", interrupt);
      const client = createGitlabClient(
        { url: gitlab.url, token: gitlab.token, group: gitlab.group },
        {
          signal: abort.signal,
          onRetry: (e) =>
            process.stderr.write(
              `\r\x1b[2KGitLab: ${e.reason} for ${e.what}; retrying in ${Math.ceil(e.delayMs / 1000)} s\n`,
            ),
        },
      );
      const fetcher = new RepositoryFetcher(
        reposDir,
        (t) => client.cloneUrl(t.fullPath),
        { url: gitlab.url, token: gitlab.token },
        gitlab.fetchConcurrency,
        abort.signal,
      );
      const bar = progressBar(process.stderr.isTTY === true && !args.json);
      if (!args.json) process.stderr.write(`Listing the projects of ${gitlab.group} on ${gitlab.url} …\n`);
      const counts = { cloned: 0, fetched: 0, failed: 0 };
      const result = await syncGroup(client, fetcher, reposDir, {
        all: args.all,
        onProgress: ({ done, total, last }) => {
          counts[last.outcome]++;
          bar.update(
            done,
            total,
            `${counts.cloned} cloned, ${counts.fetched} fetched, ${counts.failed} failed  ${last.pkgbase}`,
          );
        },
      });
      bar.done();
      process.off("SIGINT", interrupt);
      process.off("SIGTERM", interrupt);
      if (args.json) printJson(result);
      else printLines(summary(result));
      return result.failed.length > 0 ? 1 : 0;
    }),
});

export default defineCommand({
  meta: { name: "repos", description: "Manage the package source repositories" },
  subCommands: { sync },
});
