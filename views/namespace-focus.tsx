// A selected node of a namespace page: what blocks it and what it unblocks.
import type { BuildNode } from "../src/api/schemas";
import type { NodeExplanation } from "../src/server/usecases/graph-view";
import { LIST_CAP, More, Status } from "./components";
import { type NamespaceLink, urls } from "./urls";

function PackageList(p: {
  items: string[];
  nodes: Map<string, Pick<BuildNode, "id" | "status">>;
  link: (l: NamespaceLink) => string;
  empty: string;
}) {
  if (p.items.length === 0) return <p class="muted small">{p.empty}</p>;
  return (
    <>
      <ul class="members">
        {p.items.slice(0, LIST_CAP).map((pkgbase) => {
          const b = p.nodes.get(pkgbase);
          return (
            <li>
              <span class="status" data-status={b?.status ?? "blocked"} data-build={b?.id}>
                <a href={`${p.link({ node: pkgbase })}#focus`}>{pkgbase}</a>
                <span class="small muted">
                  {" "}
                  (<span class="st-word">{b?.status}</span>)
                </span>
              </span>
            </li>
          );
        })}
      </ul>
      <More shown={LIST_CAP} total={p.items.length} />
    </>
  );
}

export function Focus(p: {
  node: BuildNode;
  explanation: NodeExplanation;
  nodes: Map<string, Pick<BuildNode, "id" | "status">>;
  link: (l: NamespaceLink) => string;
}) {
  const e = p.explanation;
  const b = p.node;
  return (
    <section id="focus" aria-labelledby="focus-h">
      <h2 id="focus-h">
        {b.pkgbase} <Status status={b.status} />{" "}
        <a class="small" href={urls.build(b.id)}>
          build and log
        </a>{" "}
        <a class="small" href={p.link({})}>
          close
        </a>
      </h2>
      <div class="two-col">
        <div>
          <h3>What blocks {b.pkgbase}</h3>
          {e.waitingOn.length === 0 ? (
            <p class="small">Nothing: every dependency is built.</p>
          ) : (
            <>
              <p class="small">
                It waits for {e.waitingOn.length} unbuilt package{e.waitingOn.length === 1 ? "" : "s"}; these hold it up
                now (their own dependencies are built, or they failed):
              </p>
              <PackageList items={e.holdingUp} nodes={p.nodes} link={p.link} empty="—" />
            </>
          )}
          <h4>Direct dependencies ({e.dependencies.length})</h4>
          <PackageList items={e.dependencies} nodes={p.nodes} link={p.link} empty="None in this graph." />
        </div>
        <div>
          <h3>What {b.pkgbase} unblocks</h3>
          <p class="small">
            {e.unblocks.length === 1 ? "1 package" : `${e.unblocks.length} packages`} in this graph{" "}
            {e.unblocks.length === 1 ? "waits" : "wait"} for it, directly or not.
          </p>
          <h4>Direct dependents ({e.dependents.length})</h4>
          <PackageList items={e.dependents} nodes={p.nodes} link={p.link} empty="None: nothing waits for it." />
          {e.unblocks.length > e.dependents.length ? (
            <details>
              <summary>All {e.unblocks.length}, in build order</summary>
              <PackageList items={e.unblocks} nodes={p.nodes} link={p.link} empty="—" />
            </details>
          ) : null}
        </div>
      </div>
    </section>
  );
}
