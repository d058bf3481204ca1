// The upstream service behind Kong in every scenario: answers each request with what it received,
// so the harness can tell which route and which credentials reached it. Runs in a container.
import { createServer } from "node:http";

const port = Number(process.env.PORT ?? 8080);
let served = 0;
createServer((req, res) => {
  served++;
  if (req.url === "/__served") {
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ served }));
    return;
  }
  const body = JSON.stringify({ method: req.method, path: req.url, host: req.headers.host, consumer: req.headers["x-consumer-username"] ?? null });
  res.writeHead(200, { "content-type": "application/json", "x-echo": "1" }).end(body);
}).listen(port, "0.0.0.0", () => process.stdout.write(`echo upstream listening on ${port}\n`));
process.on("SIGTERM", () => process.exit(0));
