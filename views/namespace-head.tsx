// The top of a namespace page: what the namespace is, who changed it, its actions, and its iterations with
// what changed in each.
import type { Activity, Namespace } from "../src/api/schemas";
import type { ArchDiff, GraphDiff } from "../src/core/graph-diff";
import type { NamespacePage } from "../src/server/usecases/show-namespace-page";
import { Columns, CsrfField, capped, More, Status, Time } from "./components";
import { reasonText } from "./home";
import { urls } from "./urls";

const ACTIONS: Record<string, string> = {
  "namespace.create": "created",
  "namespace.update": "changed",
  "namespace.cancel": "cancelled",
  "namespace.resume": "resumed",
  "namespace.retry": "retried",
  "build.retry": "build retried",
};

export function NamespaceHead(p: {
  ns: Namespace;
  csrf: string | null;
  now: number;
  path: string;
  activity?: Activity[];
}) {
  const ns = p.ns;
  return (
    <div id="ns-head">
      <h1>
        {ns.name} <Status status={ns.status} />
      </h1>
      <dl class="facts">
        <dt>Origin changesets</dt>
        <dd>
          {ns.origin_changesets.map((o, i) => (
            <>
              {i > 0 ? ", " : ""}
              <code>{o}</code>
            </>
          ))}
        </dd>
        {ns.include.length ? (
          <>
            <dt>Membership also follows</dt>
            <dd>{ns.include.join(", ")}</dd>
          </>
        ) : null}
        <dt>Created</dt>
        <dd>
          <Time iso={ns.created_at} now={p.now} />
          {ns.created_by ? (
            <>
              {" by "}
              <span class="actor">{ns.created_by}</span>
            </>
          ) : null}
        </dd>
        {p.activity?.length ? (
          <>
            <dt>Changes</dt>
            <dd>
              <ul class="activity" id="ns-activity">
                {p.activity.slice(0, 5).map((a) => (
                  <li>
                    {ACTIONS[a.action] ?? a.action} by <span class="actor">{a.actor}</span>{" "}
                    <Time iso={a.at} now={p.now} />
                  </li>
                ))}
              </ul>
            </dd>
          </>
        ) : null}
      </dl>
      {ns.problem ? (
        <p class="notice problem" id="ns-problem" role="alert">
          <strong>Problem:</strong> {ns.problem}
          <br />
          The latest iteration stays as it is until this is fixed; it is checked again on every ref check.
        </p>
      ) : null}
      {p.csrf ? (
        <div class="actions">
          {ns.status === "active" ? (
            <>
              <ActionButton name={ns.name} verb="retry" csrf={p.csrf} label="Retry: new iteration" />
              <ActionButton name={ns.name} verb="cancel" csrf={p.csrf} label="Cancel namespace" danger />
            </>
          ) : (
            <ActionButton name={ns.name} verb="resume" csrf={p.csrf} label="Resume namespace" />
          )}
        </div>
      ) : (
        <p class="muted small">
          <a href={urls.login(p.path)}>Log in</a> to cancel, resume or retry.
        </p>
      )}
    </div>
  );
}

function ActionButton(p: {
  name: string;
  verb: "cancel" | "resume" | "retry";
  csrf: string;
  label: string;
  danger?: boolean;
}) {
  return (
    <form method="post" action={urls.action(p.name, p.verb)}>
      <CsrfField csrf={p.csrf} />
      <button type="submit" class={p.danger ? "danger" : undefined}>
        {p.label}
      </button>
    </form>
  );
}

export function Iterations(p: { page: NamespacePage; name: string; now: number }) {
  const shown = p.page.iteration;
  return (
    <section aria-labelledby="iterations-h">
      <h2 id="iterations-h">Iterations</h2>
      {p.page.iterations.length === 0 ? (
        <p class="muted">None yet.</p>
      ) : (
        <div class="table-wrap">
          <table>
            <Columns names={["Iteration", "Created", "Reason"]} />
            <tbody>
              {p.page.iterations.slice(0, 20).map((s) => (
                <tr aria-current={s.id === shown?.id ? "true" : undefined}>
                  <th scope="row">
                    <a href={urls.namespace(p.name, { iteration: s.id })}>#{s.id}</a>
                    {s.id === p.page.latestIterationId ? <span class="muted small"> latest</span> : null}
                    {s.id === shown?.id ? <span class="small"> (shown)</span> : null}
                  </th>
                  <td>
                    <Time iso={s.created_at} now={p.now} />
                  </td>
                  <td>{reasonText(s.reason)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <More shown={20} total={p.page.iterations.length} />
        </div>
      )}
      {shown && p.page.diff ? <Diff diff={p.page.diff} iteration={shown.id} /> : null}
    </section>
  );
}

function ArchDiffView(p: { arch: string; d: ArchDiff }) {
  const { d } = p;
  const parts: [string, string, number][] = [
    ["package", "added", d.nodes_added.length],
    ["package", "removed", d.nodes_removed.length],
    ["commit", "changed", d.commits_changed.length],
    ["edge", "added", d.edges_added.length],
    ["edge", "removed", d.edges_removed.length],
  ];
  return (
    <div>
      <h3>
        {p.arch}:{" "}
        <span class="muted small">
          {parts
            .filter(([, , n]) => n > 0)
            .map(([noun, verb, n]) => `${n} ${noun}${n === 1 ? "" : "s"} ${verb}`)
            .join(", ")}
        </span>
      </h3>
      <div class="two-col">
        {d.nodes_added.length ? (
          <div>
            <h4>Packages added</h4>
            {capped(d.nodes_added, (n) => (
              <code>+ {n}</code>
            ))}
          </div>
        ) : null}
        {d.nodes_removed.length ? (
          <div>
            <h4>Packages removed</h4>
            {capped(d.nodes_removed, (n) => (
              <code>− {n}</code>
            ))}
          </div>
        ) : null}
        {d.commits_changed.length ? (
          <div>
            <h4>Commits changed</h4>
            {capped(d.commits_changed, (c) => (
              <>
                <code>{c.pkgbase}</code> <code class="muted">{c.from.slice(0, 10)}</code> →{" "}
                <code>{c.to.slice(0, 10)}</code>
              </>
            ))}
          </div>
        ) : null}
        {d.edges_added.length ? (
          <div>
            <h4>Edges added</h4>
            {capped(d.edges_added, ([f, t]) => (
              <code>
                + {f} → {t}
              </code>
            ))}
          </div>
        ) : null}
        {d.edges_removed.length ? (
          <div>
            <h4>Edges removed</h4>
            {capped(d.edges_removed, ([f, t]) => (
              <code>
                − {f} → {t}
              </code>
            ))}
          </div>
        ) : null}
      </div>
    </div>
  );
}

function Diff(p: { diff: GraphDiff; iteration: number }) {
  const arches = Object.entries(p.diff.per_arch);
  return (
    <details open class="diff">
      <summary>What changed in iteration {p.iteration} (compared with the iteration before it)</summary>
      {p.diff.architectures_added.length ? <p>Architectures added: {p.diff.architectures_added.join(", ")}</p> : null}
      {p.diff.architectures_removed.length ? (
        <p>Architectures removed: {p.diff.architectures_removed.join(", ")}</p>
      ) : null}
      {arches.length === 0 ? <p class="muted">No graph changes.</p> : null}
      {arches.map(([arch, d]) => (
        <ArchDiffView arch={arch} d={d} />
      ))}
    </details>
  );
}
