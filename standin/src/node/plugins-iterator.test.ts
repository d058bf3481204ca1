import { expect } from "chai";
import { LuaRaisedError, PluginsIterator } from "./plugins-iterator.ts";

const plugin = (id: string, extra: Record<string, unknown>) => ({ id, name: "key-auth", enabled: true, route_id: null, service_id: null, consumer_id: null, ...extra });

describe("stand-in node: plugins iterator", () => {
  it("applies the most specific configuration", () => {
    const it = PluginsIterator.build([plugin("svc", { service_id: "s" }), plugin("route", { route_id: "r" })], ["key-auth"], { version: "2.6.0", defaultWorkspace: "ws" });
    expect((it as PluginsIterator).lookup("key-auth", "r", "s", null)?.id).to.equal("route");
    expect((it as PluginsIterator).lookup("key-auth", "other", "s", null)?.id).to.equal("svc");
  });

  it("ranks combinations in load_configuration_through_combos' order: a route+service plugin before a consumer one", () => {
    const rows = [plugin("c", { consumer_id: "c" }), plugin("rs", { route_id: "r", service_id: "s" }), plugin("r", { route_id: "r" }),
      plugin("sc", { service_id: "s", consumer_id: "c" }), plugin("g", {})];
    const it = PluginsIterator.build(rows, ["key-auth"], { version: "2.6.0", defaultWorkspace: "ws" }) as PluginsIterator;
    expect(it.lookup("key-auth", "r", "s", "c")?.id).to.equal("sc");
    expect(it.lookup("key-auth", "r", "other", "c")?.id).to.equal("c");
    expect(it.lookup("key-auth", "r", "s", "other")?.id).to.equal("rs");
    expect(it.lookup("key-auth", "r", "other", null)?.id).to.equal("r");
    expect(it.lookup("key-auth", "x", "y", null)?.id).to.equal("g");
    const noSc = PluginsIterator.build(rows.filter((r) => r.id !== "sc"), ["key-auth"], { version: "2.6.0", defaultWorkspace: "ws" }) as PluginsIterator;
    expect(noSc.lookup("key-auth", "r", "s", "c")?.id).to.equal("rs");
  });

  it("skips a row load_configuration cannot read and falls through to the next combination", () => {
    const rows = [plugin("svc", { service_id: "s", cache_key: "old" }), plugin("route", { route_id: "r", cache_key: "new" })];
    const it = PluginsIterator.build(rows, ["key-auth"], { version: "2.6.0", defaultWorkspace: "ws", loadable: (r) => r.cache_key === "old" }) as PluginsIterator;
    expect(it.lookup("key-auth", "r", "s", null)?.id).to.equal("svc");
  });

  it("still refuses a plugin that is in use but not enabled", () => {
    expect(PluginsIterator.build([plugin("x", { name: "cors" })], ["key-auth"], { version: "2.6.0", defaultWorkspace: "ws" })).to.deep.equal({ error: "cors plugin is in use but not enabled" });
  });

  it("raises `table index is nil` on 2.1+ when there is no default workspace, at the tag's line", () => {
    const build = (version: string) => () => PluginsIterator.build([], ["key-auth"], { version, defaultWorkspace: null });
    expect(build("2.6.0")).to.throw(LuaRaisedError, "/usr/local/share/lua/5.1/kong/runloop/plugins_iterator.lua:388: table index is nil");
    expect(build("2.1.4")).to.throw(LuaRaisedError, "plugins_iterator.lua:378: table index is nil");
    try {
      build("2.6.0")();
    } catch (e) {
      expect((e as LuaRaisedError).traceback.split("\n")).to.deep.equal(["stack traceback:",
        "\t/usr/local/share/lua/5.1/kong/runloop/plugins_iterator.lua:388: in function 'new'",
        "\t/usr/local/share/lua/5.1/kong/runloop/handler.lua:526: in function 'build_plugins_iterator'",
        "\t/usr/local/share/lua/5.1/kong/init.lua:531: in function 'init'", "\tinit_by_lua:3: in main chunk"]);
    }
    expect(PluginsIterator.build([], ["key-auth"], { version: "2.0.5" })).to.be.instanceOf(PluginsIterator);
  });
});
