// Real sockets on 127.0.0.1 (port 0): a server that answers, one that accepts and never answers,
// and a port nobody listens on.
import { createServer, type Server } from "node:http";
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from "node:net";
import { expect } from "chai";
import { probeOldNodes, probePort } from "./old-node-gate.ts";

const listen = async <S extends Server | TcpServer>(s: S): Promise<string> => {
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
};

describe("old-node gate: probing an old node's ports for real", () => {
  let answering: Server;
  let silent: TcpServer;
  const held = new Set<Socket>();
  let answeringUrl: string;
  let silentUrl: string;
  let closedUrl: string;

  before(async () => {
    answering = createServer((_req, res) => { res.statusCode = 404; res.end("no Route matched with those values"); });
    answeringUrl = await listen(answering);
    silent = createTcpServer((socket) => { held.add(socket); });
    silentUrl = await listen(silent);
    const gone = createServer();
    closedUrl = await listen(gone);
    await new Promise((r) => gone.close(r));
  });
  after(async () => {
    answering.closeAllConnections();
    await new Promise((r) => answering.close(r));
    for (const socket of held) socket.destroy();
    await new Promise((r) => silent.close(r));
  });

  it("counts any HTTP answer as a live node and a refused connection as silence", async () => {
    expect(await probePort(answeringUrl)).to.deep.equal({ url: answeringUrl, answered: true, detail: "answered 404" });
    expect(await probePort(closedUrl)).to.deep.equal({ url: closedUrl, answered: false, detail: "refused (ECONNREFUSED)" });
  });

  it("counts a port that accepts and never answers as live (a frozen node still holds its port)", async () => {
    const mute = await probePort(silentUrl, 200);
    expect([mute.answered, mute.detail]).to.deep.equal([true, "did not answer within 200 ms but accepted the connection (UND_ERR_HEADERS_TIMEOUT)"]);
  });

  it("lists the old nodes that answer on either port, and those the harness still counts as running", async () => {
    const gate = await probeOldNodes([
      { node: "blue-1", proxyUrl: closedUrl, adminUrl: closedUrl },
      { node: "blue-2", proxyUrl: answeringUrl, adminUrl: closedUrl },
      { node: "blue-3", proxyUrl: closedUrl, adminUrl: closedUrl },
    ], new Set(["blue-3"]));
    expect(gate.answering).to.deep.equal(["blue-2", "blue-3"]);
    expect(gate.nodes[1]).to.deep.equal({
      node: "blue-2", inHarnessList: false,
      proxy: { url: answeringUrl, answered: true, detail: "answered 404" },
      admin: { url: `${closedUrl}/status`, answered: false, detail: "refused (ECONNREFUSED)" },
    });
  });
});
