import { expect } from "chai";
import { MODELLED_PLUGINS, STANDIN_PLUGINS_LABEL as RECIPE_LABEL, standinPluginsLabelValue } from "../../standin/src/catalogue/modelled-plugins.ts";
import { STANDIN_LABEL } from "./kong-image.ts";
import { STANDIN_PLUGINS_LABEL, modelledPlugins, unmodelledPluginsProblem } from "./standin-plugins.ts";

const standin = (plugins?: string): Record<string, string> => ({ [STANDIN_LABEL]: "true", ...(plugins === undefined ? {} : { [STANDIN_PLUGINS_LABEL]: plugins }) });

describe("standin-plugins: which plugins a stand-in image models", () => {
  it("reads the label the stand-in recipe writes, under the name the stand-in defines", () => {
    expect(STANDIN_PLUGINS_LABEL).to.equal(RECIPE_LABEL);
    expect(modelledPlugins({ [STANDIN_PLUGINS_LABEL]: standinPluginsLabelValue() })).to.deep.equal([...MODELLED_PLUGINS].sort());
    expect(modelledPlugins({ [STANDIN_PLUGINS_LABEL]: " acl, cors ,," })).to.deep.equal(["acl", "cors"]);
    expect(modelledPlugins({})).to.equal(undefined);
  });

  it("refuses, in one line, the plugins a stand-in does not model, naming the file and the way out", () => {
    const line = unmodelledPluginsProblem("kong-standin:2.5.1", standin("acl,cors,key-auth"), ["cors", "opa", "cors-custom", "opa"], "examples/x.yaml");
    expect(line).to.equal("kong-standin:2.5.1 does not model plugins opa, cors-custom used by examples/x.yaml: the stand-in would not run them like Kong; "
      + "run with real Kong images (--old/--new <your registry>/kong:<version>) or remove them from the configuration");
    expect(line).to.not.include("\n");
    expect(unmodelledPluginsProblem("kong-standin:2.5.1", standin("acl"), ["opa"])).to.equal("kong-standin:2.5.1 does not model plugin opa: the stand-in would not run it like Kong; "
      + "run with real Kong images (--old/--new <your registry>/kong:<version>) or remove it from the configuration");
  });

  it("has nothing to say when every plugin is modelled, or the image is real Kong", () => {
    expect(unmodelledPluginsProblem("kong-standin:2.5.1", standin("acl,cors"), ["cors", "acl"], "f.yaml")).to.equal(undefined);
    expect(unmodelledPluginsProblem("kong:2.5.1", { [STANDIN_PLUGINS_LABEL]: "acl" }, ["opa"], "f.yaml")).to.equal(undefined);
    expect(unmodelledPluginsProblem("kong-standin:2.5.1", standin(), [], "f.yaml")).to.equal(undefined);
  });

  it("asks for a rebuild when a stand-in image carries no list", () => {
    expect(unmodelledPluginsProblem("kong-standin:2.5.1", standin(), ["cors"], "f.yaml")).to.match(/^kong-standin:2\.5\.1 carries no list .*rebuild the stand-in images with `npx kong-upgrade-harness lab`/);
  });
});
