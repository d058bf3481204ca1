import { expect } from "chai";
import { decideImage, RECIPE_LABEL, type ImageFacts } from "./image-decision.ts";

const facts = (over: Partial<ImageFacts>): ImageFacts => ({ official: null, local: null, hasOfficialRef: true, recipeHash: "h1", ...over });

describe("decideImage", () => {
  describe("on a machine that can pull", () => {
    it("uses an official image that is already present", () => {
      expect(decideImage(facts({ official: { maintainer: "upstream" } }))).to.include({ action: "use", which: "official" });
    });
    it("pulls the official image when nothing is present, building only if the pull fails", () => {
      expect(decideImage(facts({}))).to.include({ action: "pull-else-build" });
    });
    it("prefers pulling over rebuilding a stale local build under a local name", () => {
      expect(decideImage(facts({ local: { [RECIPE_LABEL]: "old" } }))).to.include({ action: "pull-else-build" });
    });
  });

  describe("local builds", () => {
    it("keeps a local build under the official name whose recipe is unchanged", () => {
      expect(decideImage(facts({ official: { [RECIPE_LABEL]: "h1" } }))).to.include({ action: "use", which: "official" });
    });
    it("rebuilds a local build under the official name when its recipe changed", () => {
      expect(decideImage(facts({ official: { [RECIPE_LABEL]: "h0" } }))).to.include({ action: "build" });
    });
    it("keeps a local build under its own name whose recipe is unchanged", () => {
      expect(decideImage(facts({ local: { [RECIPE_LABEL]: "h1" } }))).to.include({ action: "use", which: "local" });
    });
    it("builds what has no official image", () => {
      expect(decideImage(facts({ hasOfficialRef: false }))).to.include({ action: "build" });
      expect(decideImage(facts({ hasOfficialRef: false, local: { [RECIPE_LABEL]: "h0" } }))).to.include({ action: "build" });
    });
  });
});
