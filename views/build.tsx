// The build page: what is being built where, why it failed, its packages, and its log (live while it runs).
import { estimateText } from "../src/core/estimates";
import type { BuildPage } from "../src/server/usecases/show-build-page";
import { BuildTime, Columns, Commit, type CommitUrl, formatBytes, RunsOn, Status, Time } from "./components";
import { Layout, type Site } from "./layout";
import { urls } from "./urls";

const ESTIMATE_SOURCE = {
  history: "median of its last successful builds",
  arch: "no history of its own: median of all builds on this architecture",
  default: "no history on this architecture: the configured default",
} as const;

export function BuildPageView(p: { site: Site; page: BuildPage; commitUrl: CommitUrl; since: number }) {
  const b = p.page.build;
  const log = p.page.log;
  const finished = b.status === "built" || b.status === "failed";
  return (
    <Layout
      site={p.site}
      title={`${b.pkgbase} (${b.arch}) · ${b.namespace}`}
      live={finished ? undefined : urls.buildEvents(b.id, log.end, p.since)}
    >
      <nav aria-label="Breadcrumb" class="small">
        <a href={urls.home()}>Namespaces</a> › <a href={urls.namespace(b.namespace)}>{b.namespace}</a> ›{" "}
        <a href={urls.namespace(b.namespace, { iteration: b.iteration, arch: b.arch })}>iteration {b.iteration}</a> ›{" "}
        {b.pkgbase}
      </nav>
      <BuildHead page={p.page} commitUrl={p.commitUrl} now={p.site.now} />
      <Artifacts page={p.page} />
      <section aria-labelledby="log-h">
        <h2 id="log-h">
          Log{" "}
          <a class="small" href={urls.buildLog(b.id)}>
            plain text
          </a>
        </h2>
        {log.from > 0 ? (
          <p class="muted small">
            The first {formatBytes(log.from)} are not shown here: <a href={urls.buildLog(b.id)}>the whole log</a>.
          </p>
        ) : null}
        <pre
          class="log"
          id="log"
          data-offset={log.end}
          tabindex={0}
          role="log"
          aria-label={`Build log of ${b.pkgbase}`}
        >
          {log.text === "" ? <span class="log-empty muted">No output yet.</span> : log.text}
        </pre>
      </section>
    </Layout>
  );
}

export function BuildHead(p: { page: BuildPage; commitUrl: CommitUrl; now: number }) {
  const b = p.page.build;
  return (
    <div id="build-head">
      <h1>
        {b.pkgbase} <span class="muted">{b.arch}</span> <Status status={b.status} />
      </h1>
      {b.status === "failed" ? (
        <p class="error-box">
          <strong>Failed:</strong> {b.failure_reason ?? "the build failed"}
        </p>
      ) : null}
      {b.status === "blocked" && b.blocked_by.length ? (
        <p class="notice">Waits for {b.blocked_by.join(", ")}.</p>
      ) : null}
      <dl class="facts">
        <dt>Namespace</dt>
        <dd>
          <a href={urls.namespace(b.namespace, { iteration: b.iteration, arch: b.arch })}>
            {b.namespace}, iteration {b.iteration}
          </a>
        </dd>
        <dt>Commit</dt>
        <dd>
          <Commit pkgbase={b.pkgbase} commit={b.commit} commitUrl={p.commitUrl} /> <span class="muted">({b.ref})</span>
        </dd>
        <dt>Version</dt>
        <dd class="version" data-kind={b.kind}>
          {b.version_text}
          {b.kind === "rebuild" && b.version === b.built_version ? (
            <span class="muted"> (rebuild, not bumped: the namespace builds rebuilds as committed)</span>
          ) : null}
          {b.kind === "origin" ? <span class="muted"> (origin: built as committed)</span> : null}
        </dd>
        <dt>Packages</dt>
        <dd>{b.pkgnames.join(", ") || <span class="muted">—</span>}</dd>
        <dt>Runs on</dt>
        <dd>
          <RunsOn worker={b.worker} pipelineUrl={b.pipeline_url} />
        </dd>
        <dt>Attempts</dt>
        <dd>{b.attempts}</dd>
        <dt>Started</dt>
        <dd>
          <Time iso={b.started_at} now={p.now} />
        </dd>
        <dt>Finished</dt>
        <dd>
          <Time iso={b.finished_at} now={p.now} />
        </dd>
        <dt>Duration</dt>
        <dd>
          <BuildTime b={b} now={p.now} namespace={b.namespace} />
        </dd>
        <dt>Estimate</dt>
        <dd>
          {estimateText(b.estimate_ms)} <span class="muted small">({ESTIMATE_SOURCE[b.estimate_source]})</span>
        </dd>
      </dl>
    </div>
  );
}

export function Artifacts(p: { page: BuildPage }) {
  const files = p.page.artifacts;
  return (
    <section id="artifacts" aria-labelledby="artifacts-h">
      <h2 id="artifacts-h">Packages ({files.length})</h2>
      {files.length === 0 ? (
        <p class="muted">No package uploaded yet.</p>
      ) : (
        <table>
          <Columns names={["File", { num: "Size" }]} />
          <tbody>
            {files.map((f) => (
              <tr>
                <th scope="row">
                  <a href={f.href} download>
                    {f.fileName}
                  </a>
                </th>
                <td class="num">{formatBytes(f.size)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
