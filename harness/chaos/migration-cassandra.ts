// A short-lived CQL session on the harness's Cassandra datastore, for the few direct writes the
// migration faults make (a planted lock row).
import cassandra from "cassandra-driver";
import type { StartedCassandraDatastore } from "../datastore/cassandra.ts";
import type { StartedDatastore } from "../datastore/types.ts";

export async function cassandraSession<R>(ds: StartedDatastore, fn: (client: cassandra.Client, keyspace: string) => Promise<R>): Promise<R> {
  const c = ds as StartedCassandraDatastore;
  const client = new cassandra.Client({ contactPoints: [`${c.container.getHost()}:${c.container.getMappedPort(9042)}`], localDataCenter: "datacenter1" });
  await client.connect();
  try {
    return await fn(client, c.keyspace);
  } finally {
    await client.shutdown().catch(() => undefined);
  }
}
