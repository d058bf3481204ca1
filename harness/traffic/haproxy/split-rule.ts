// The rule the generated frontend splits by (config.ts), for models of a run: the n-th request
// (n from 1) goes to green when floor(n*g/100) > floor((n-1)*g/100).
import type { ClusterName } from "../nodes.ts";

export function clusterOfRequest(n: number, green: number): ClusterName {
  return Math.floor((n * green) / 100) > Math.floor(((n - 1) * green) / 100) ? "green" : "blue";
}
