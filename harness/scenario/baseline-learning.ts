// The expected answers of probes generated from a user's configuration are what the old cluster
// answers before `up`, not what the generator predicted: the generator cannot know every plugin's
// effect (an IP restriction, a global plugin), the old version can. Each probe is sent twice to an
// old node; one status both times becomes its baseline; two statuses make it a probe whose answer
// varies; a server error or no answer means the old cluster itself cannot serve it, so it judges
// nothing and is left out, with the reason.
import { sendProbe, type ProbeAnswer } from "./probes.ts";
import type { Probe } from "./seed.ts";

export interface LearnedBaseline {
  readonly probes: readonly Probe[];
  /** Probes whose answer differs from the generator's prediction: "orders:no-credentials: predicted 401, the old cluster answered 403". */
  readonly differs: readonly string[];
  /** Probes left out: "media-upload: the old cluster answered 502". */
  readonly dropped: readonly string[];
}

const said = (a: ProbeAnswer): string => (a.status === null ? `no answer (${a.error ?? "?"})` : String(a.status));

export async function learnBaseline(proxyUrl: string, probes: readonly Probe[], pauseMs = 300): Promise<LearnedBaseline> {
  const first = await Promise.all(probes.map((p) => sendProbe(proxyUrl, p)));
  await new Promise((r) => setTimeout(r, pauseMs));
  const second = await Promise.all(probes.map((p) => sendProbe(proxyUrl, p)));
  const learned: Probe[] = [];
  const differs: string[] = [];
  const dropped: string[] = [];
  probes.forEach((p, i) => {
    const a = first[i]!;
    const b = second[i]!;
    const bad = [a, b].find((x) => x.status === null || x.status >= 500);
    if (bad) { dropped.push(`${p.name}: the old cluster answered ${said(bad)}`); return; }
    if (p.varies) {
      const seen = [...new Set([...p.expect, a.status!, b.status!])].sort();
      if (seen.length !== p.expect.length) differs.push(`${p.name}: predicted ${p.expect.join(" or ")}, the old cluster answered ${said(a)} and ${said(b)}`);
      // Whether its 200 comes from the upstream is known only from a 200: two 429s (a limit already
      // spent) leave the prediction standing.
      const ok = [a, b].filter((x) => x.status === 200);
      learned.push({ ...p, expect: seen, fromUpstream: p.fromUpstream && (ok.length === 0 || ok.some((x) => x.fromUpstream)) });
      return;
    }
    if (a.status !== b.status) {
      differs.push(`${p.name}: the old cluster answered ${said(a)}, then ${said(b)}: judged as either`);
      learned.push({ ...p, expect: [a.status!, b.status!].sort(), varies: true, fromUpstream: a.fromUpstream && b.fromUpstream });
      return;
    }
    if (!p.expect.includes(a.status!)) differs.push(`${p.name}: predicted ${p.expect.join(" or ")}, the old cluster answered ${said(a)}`);
    learned.push({ ...p, expect: [a.status!], fromUpstream: a.status === 200 && a.fromUpstream && b.fromUpstream });
  });
  return { probes: learned, differs, dropped };
}
