import { expect } from "chai";
import { pluginRequest, nodeOf } from "./request.fixture.ts";
import { requestSizeLimitingPlugin } from "./request-size-limiting.ts";

const conf = (c: Record<string, unknown>, version = "2.5.1") => requestSizeLimitingPlugin.parse(c, version);
const TOO_BIG = { status: 413, form: "error", message: "Request size limit exceeded" };

describe("stand-in plugin request-size-limiting", () => {
  it("compares Content-Length with the limit in the configured unit (megabytes in 1.5)", async () => {
    const run = (c: Record<string, unknown>, length: number, version = "2.5.1", headers: Record<string, string> = {}) =>
      requestSizeLimitingPlugin.access!(conf(c, version), pluginRequest({ method: "POST", headers: { "content-length": String(length), ...headers } }), nodeOf(version));
    expect(await run({ allowed_payload_size: 1, size_unit: "kilobytes" }, 1024)).to.equal(undefined);
    expect(await run({ allowed_payload_size: 1, size_unit: "kilobytes" }, 1025)).to.deep.equal(TOO_BIG);
    expect(await run({ allowed_payload_size: 1, size_unit: "kilobytes" }, 2000, "2.5.1", { expect: "100-Continue " })).to.deep.equal({ ...TOO_BIG, status: 417 });
    expect(await run({ allowed_payload_size: 1 }, 1048577, "1.5.1")).to.deep.equal({ status: 413, form: "exit", message: "Request size limit exceeded" });
  });

  it("measures a body without Content-Length only when it fits the 8k body buffer; 411 on require_content_length (2.3+)", async () => {
    const chunked = (size: number, c: Record<string, unknown> = { allowed_payload_size: 1, size_unit: "kilobytes" }, te = "chunked") =>
      requestSizeLimitingPlugin.access!(conf(c), pluginRequest({ method: "POST", headers: { "transfer-encoding": te }, body: "x".repeat(size) }), nodeOf("2.5.1"));
    expect(await chunked(2000)).to.deep.equal(TOO_BIG);
    expect(await chunked(9000)).to.equal(undefined);
    expect(await chunked(10, { allowed_payload_size: 1, size_unit: "kilobytes", require_content_length: true }, "gzip"))
      .to.deep.equal({ status: 411, form: "error", message: "A valid Content-Length header is required" });
  });
});
