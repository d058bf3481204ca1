// The upstream service behind Kong in every scenario: answers each request with what it received,
// so the harness can tell which route and which credentials reached it. Runs in a container.
// ECHO_ANSWER=request switches to the answer the real-Kong recordings were made with
// ({method, path, raw_query, query, headers, body_length}); the default answer is the harness's own:
// {method, path (with the query), host, consumer, query (raw, without "?"), headers (all received)}.
import { createServer } from "node:http";

const port = Number(process.env.PORT ?? 8080);
const answerRequest = process.env.ECHO_ANSWER === "request";
let served = 0;

/** What the request carried, the recordings' shape. The body length stands for content-length and transfer-encoding. */
function requestAnswer(req, bodyLength) {
  const url = new URL(req.url ?? "/", "http://echo");
  const headers = { ...req.headers };
  delete headers["content-length"];
  delete headers["transfer-encoding"];
  return { method: req.method, path: url.pathname, raw_query: url.search, query: Object.fromEntries(url.searchParams), headers, body_length: bodyLength };
}

const server = createServer((req, res) => {
  served++;
  if (req.url === "/__served") {
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ served }));
    return;
  }
  if (answerRequest) {
    let bodyLength = 0;
    req.on("data", (chunk) => { bodyLength += chunk.length; });
    req.on("end", () => res.writeHead(200, { "content-type": "application/json", "x-echo": "1" }).end(JSON.stringify(requestAnswer(req, bodyLength))));
    return;
  }
  // headers and query: what Kong passed upstream, compared old against new by response-parity.
  const q = (req.url ?? "").indexOf("?");
  const body = JSON.stringify({
    method: req.method, path: req.url, host: req.headers.host, consumer: req.headers["x-consumer-username"] ?? null,
    query: q < 0 ? "" : (req.url ?? "").slice(q + 1), headers: req.headers,
  });
  res.writeHead(200, { "content-type": "application/json", "x-echo": "1" }).end(body);
});
// Kong keeps idle upstream connections for 60 s (upstream_keepalive_idle_timeout). Node closes its
// idle ones after 5 s by default, so Kong could send a request on a connection this server is just
// closing: nginx retries only idempotent requests, and a POST then fails with Kong's 502. An
// upstream that keeps its connections longer than Kong does never races it.
server.keepAliveTimeout = 75_000;
server.headersTimeout = 80_000;
server.listen(port, "0.0.0.0", () => process.stdout.write(`echo upstream listening on ${port}${answerRequest ? " (answer: request)" : ""}\n`));
process.on("SIGTERM", () => process.exit(0));
