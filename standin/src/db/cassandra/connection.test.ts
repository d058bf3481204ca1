import { expect } from "chai";
import cassandra from "cassandra-driver";
import { advertisedHosts, cassMessage, LuaCassandraError } from "./connection.ts";

describe("stand-in Cassandra connection: lua-cassandra's refresh and wording", () => {
  it("takes each node's advertised rpc_address, peers first, as lua-cassandra's refresh does", () => {
    expect(advertisedHosts("172.17.0.3", [], "172.19.0.2")).to.deep.equal(["172.17.0.3"]);
    expect(advertisedHosts("10.0.0.1", [{ peer: "10.1.0.2", rpcAddress: "10.0.0.2" }, { peer: "10.1.0.3", rpcAddress: "10.0.0.3" }], "cp"))
      .to.deep.equal(["10.0.0.2", "10.0.0.3", "10.0.0.1"]);
  });

  it("reads a wildcard rpc_address as the contact point (local) or the peer column, and skips a peer without one", () => {
    expect(advertisedHosts("0.0.0.0", [], "172.19.0.2")).to.deep.equal(["172.19.0.2"]);
    expect(advertisedHosts("::", [{ peer: "10.1.0.2", rpcAddress: "0.0.0.0" }, { peer: "10.1.0.3", rpcAddress: null }], "cp"))
      .to.deep.equal(["10.1.0.2", "cp"]);
  });

  it("words a failed connect as check_peer_health does, and joins hosts as no_host_available_error does", () => {
    const { NoHostAvailableError, OperationTimedOutError } = cassandra.errors;
    // The driver's own connect-timeout error is a DriverError with this message.
    const connectTimeout = new Error("Connection timeout");
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" });
    expect(cassMessage(new NoHostAvailableError({ "172.17.0.3:9042": connectTimeout })))
      .to.equal("all hosts tried for query failed. 172.17.0.3: host seems unhealthy, considering it down (timeout)");
    expect(cassMessage(new NoHostAvailableError({ "127.0.0.1:1": refused, "10.0.0.2:9042": new OperationTimedOutError("no reply", "10.0.0.2:9042") })))
      .to.equal("all hosts tried for query failed. 127.0.0.1: host seems unhealthy, considering it down (connection refused). 10.0.0.2: timeout");
  });

  it("keeps a message already in lua-cassandra's words", () => {
    const text = "all hosts tried for query failed. 172.17.0.3: host seems unhealthy, considering it down (timeout)";
    expect(cassMessage(new LuaCassandraError(text))).to.equal(text);
  });
});
