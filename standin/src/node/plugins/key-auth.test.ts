import { expect } from "chai";
import { setConsumerHeaders } from "./key-auth.ts";

const consumer = { id: "c1", username: "alice", custom_id: null };
const credential = { id: "k1", key: "secret" };

describe("stand-in node: key-auth consumer headers", () => {
  it("sends X-Credential-Identifier from 2.1 and clears what the client sent in its place", () => {
    const h: Record<string, string | string[]> = { "x-consumer-custom-id": "forged", "x-credential-username": "forged", "x-anonymous-consumer": "true" };
    setConsumerHeaders("2.6.0", h, consumer, credential);
    expect(h).to.deep.equal({ "x-consumer-id": "c1", "x-consumer-username": "alice", "x-credential-identifier": "k1" });
  });

  it("before 2.1 sends X-Credential-Username only for a credential with a username (never for key-auth's)", () => {
    const h: Record<string, string | string[]> = { "x-credential-identifier": "client's own" };
    setConsumerHeaders("2.0.5", h, consumer, credential);
    expect(h).to.deep.equal({ "x-consumer-id": "c1", "x-consumer-username": "alice", "x-credential-identifier": "client's own" });
  });

  it("marks the anonymous consumer", () => {
    const h: Record<string, string | string[]> = {};
    setConsumerHeaders("2.6.0", h, consumer, null);
    expect(h).to.deep.equal({ "x-consumer-id": "c1", "x-consumer-username": "alice", "x-anonymous-consumer": "true" });
  });
});
